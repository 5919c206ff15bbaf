"""Checking a parsed definition against the store: known indicators and regions, a measure that suits each
indicator's value kind (no summing or stacking of rates), units that convert, and the limits on series and
periods. Every problem names the panel and the field."""

from __future__ import annotations

from sqlalchemy import Connection

from citybase.analysis.observations import changes_as_difference, point_unit
from citybase.analysis.percapita import DEFAULT_POPULATION, DEFAULT_UNIT
from citybase.dashboards.definition import in_panel, problem
from citybase.dashboards.model import (
    DISTRICTS_PREFIX,
    MAX_PERIODS,
    MAX_SERIES,
    ChartType,
    Definition,
    Measure,
    Panel,
)
from citybase.errors import InvalidInput, Problem
from citybase.indicators.catalog import IndicatorCatalog, indicator_catalog
from citybase.indicators.model import Indicator, ValueKind
from citybase.messages import N_, Message, message
from citybase.regions.boundaries import children_boundaries
from citybase.regions.codes import normalise_code
from citybase.regions.index import RegionIndex, region_index
from citybase.transform.periods import Frequency, Period, parse_period
from citybase.transform.units import conversion_factor, parse_unit, registry

ADDITIVE = (ValueKind.FLOW, ValueKind.STOCK)
SUMMED_CHARTS = (ChartType.STACKED_BAR, ChartType.PIE)
MAX_UNITS = 2  # one value axis on each side of a chart


def expand_regions(index: RegionIndex, selectors: tuple[str, ...]) -> list[str]:
    """Region codes in order: a code as given, "districts:<code>" as the sub-regions in use now."""
    found: list[str] = []
    for selector in selectors:
        if selector.startswith(DISTRICTS_PREFIX):
            parent = normalise_code(selector[len(DISTRICTS_PREFIX) :])
            found += [region.code for region in sorted(index.children_of(parent), key=lambda r: r.code)]
        else:
            found.append(normalise_code(selector))
    return list(dict.fromkeys(found))


def map_parent(index: RegionIndex, selector: str) -> str | None:
    """The region whose bundled district map draws this selector's regions, if there is one."""
    if selector.startswith(DISTRICTS_PREFIX):
        parent: str | None = normalise_code(selector[len(DISTRICTS_PREFIX) :])
    else:
        region = index.latest(normalise_code(selector))
        parent = region.parent_code if region else None
    return parent if parent and children_boundaries(parent) is not None else None


def per_capita_factor(indicator: Indicator, population: Indicator, unit: str) -> float:
    """The factor turning (value / population) into `unit`; InvalidInput when the units do not fit."""
    ureg = registry()
    try:
        quantity = ureg.Quantity(1, parse_unit(indicator.unit)) / ureg.Quantity(
            1, parse_unit(population.unit)
        )
        return float(quantity.to(parse_unit(unit)).magnitude)
    except Exception as exc:  # pint raises DimensionalityError and friends
        raise InvalidInput(
            message(
                N_("{code} per person is in {source}, which cannot be expressed in {unit}"),
                code=indicator.code,
                source=f"{indicator.unit}/{population.unit}",
                unit=unit,
            )
        ) from exc


def measure_unit(indicator: Indicator, panel: Panel) -> str:
    """The unit a series of this indicator is shown in, for the panel's measure."""
    if panel.measure is Measure.LEVEL:
        return panel.unit or indicator.unit
    if panel.measure in (Measure.YOY, Measure.POP):
        if indicator.value_kind is ValueKind.GROWTH_RATE:
            return indicator.unit
        return point_unit(indicator.unit) if changes_as_difference(indicator) else "%"
    if panel.measure is Measure.SHARE:
        return "%"
    if panel.measure is Measure.PER_CAPITA:
        return panel.unit or DEFAULT_UNIT
    return ""


def window_periods(panel: Panel) -> list[Period] | None:
    """The periods of a fixed range, in order (None for "the last N")."""
    if panel.window.last is not None or not panel.window.start or not panel.window.end:
        return None
    frequency = Frequency(panel.frequency)
    first, last = parse_period(panel.window.start), parse_period(panel.window.end)
    periods: list[Period] = []
    current = Period(last.year, last.start_month, last.end_month)
    while current >= first and len(periods) <= MAX_PERIODS:
        periods.append(current)
        current = current.previous()
    periods.reverse()
    for period in (first, last):
        if period.natural_frequency() is not frequency:
            raise InvalidInput(
                message(
                    N_("{period} is not a single {frequency} period"),
                    period=str(period),
                    frequency=frequency.value,
                )
            )
    return periods


class _PanelCheck:
    """The checks of one panel, collecting problems under its number."""

    def __init__(
        self, number: int, panel: Panel, catalog: IndicatorCatalog, index: RegionIndex, out: list[Problem]
    ) -> None:
        self.number, self.panel, self.catalog, self.index, self.out = number, panel, catalog, index, out

    def refuse(self, name: str, code: str, text: Message) -> None:
        self.out.append(problem(self.number, name, code, in_panel(self.number, self.panel.title, text)))

    def run(self) -> None:
        indicators = self.indicators()
        regions = self.regions()
        self.periods()
        if not indicators or regions is None:
            return
        self.series(indicators, regions)
        for indicator in indicators:
            self.suits(indicator)
        self.units(indicators)

    def indicators(self) -> list[Indicator]:
        found = []
        for code in self.panel.indicators:
            resolved = self.catalog.resolve(code)
            if resolved is None:
                self.refuse("indicators", "unknown", message(N_("unknown indicator {code}"), code=code))
                continue
            indicator = resolved[0]
            if Frequency(self.panel.frequency).months < indicator.frequency.months:
                self.refuse(
                    "frequency",
                    "frequency",
                    message(
                        N_("{code} is reported by {reported}, so it cannot be shown by {asked}"),
                        code=code,
                        reported=indicator.frequency.value,
                        asked=self.panel.frequency,
                    ),
                )
            found.append(indicator)
        return found

    def regions(self) -> list[str] | None:
        known = True
        for selector in self.panel.regions:
            code = normalise_code(selector.removeprefix(DISTRICTS_PREFIX))
            if code not in self.index.versions:
                self.refuse("regions", "unknown", message(N_("unknown region {code}"), code=selector))
                known = False
            elif selector.startswith(DISTRICTS_PREFIX) and not self.index.children_of(code):
                self.refuse(
                    "regions", "no_districts", message(N_("region {code} has no districts"), code=code)
                )
                known = False
            elif self.panel.chart is ChartType.MAP and map_parent(self.index, selector) is None:
                self.refuse(
                    "regions",
                    "no_map",
                    message(
                        N_("there is no district map for {code}; choose districts of the city"), code=selector
                    ),
                )
                known = False
        return expand_regions(self.index, self.panel.regions) if known else None

    def periods(self) -> None:
        window = self.panel.window
        if window.last is not None:
            if window.last > MAX_PERIODS:
                self.refuse(
                    "periods",
                    "too_many",
                    message(
                        N_("at most {count} periods can be shown, not {asked}"),
                        count=MAX_PERIODS,
                        asked=window.last,
                    ),
                )
            return
        try:
            periods = window_periods(self.panel) or []
        except InvalidInput as error:
            self.refuse("periods", "invalid", error.message)
            return
        if not periods or parse_period(window.start or "") > parse_period(window.end or ""):
            self.refuse(
                "periods",
                "invalid",
                message(N_("the range {start}–{end} runs backwards"), start=window.start, end=window.end),
            )
        elif len(periods) > MAX_PERIODS:
            self.refuse(
                "periods",
                "too_many",
                message(N_("at most {count} periods can be shown"), count=MAX_PERIODS),
            )

    def series(self, indicators: list[Indicator], regions: list[str]) -> None:
        count = len(indicators) * len(regions)
        limit = 1 if self.panel.chart is ChartType.KPI else MAX_SERIES
        if count > limit:
            self.refuse(
                "indicators",
                "too_many",
                message(
                    N_("{count} series (indicators × regions) are too many for a {chart}; at most {limit}"),
                    count=count,
                    chart=self.panel.chart.value,
                    limit=limit,
                ),
            )
        if self.panel.chart is ChartType.MAP and len(indicators) != 1:
            self.refuse("indicators", "one_indicator", message(N_("a map shows exactly one indicator")))

    def suits(self, indicator: Indicator) -> None:
        """Refuse a measure or chart that does not suit the indicator's value kind."""
        kind, measure, chart = indicator.value_kind, self.panel.measure, self.panel.chart

        def refuse(name: str, text: Message) -> None:
            self.refuse(name, "unsuitable", text)

        if measure in (Measure.SHARE, Measure.PER_CAPITA) and kind not in ADDITIVE:
            refuse(
                "measure",
                message(
                    N_("{code} is a {kind}: values that do not add up have no {measure}"),
                    code=indicator.code,
                    kind=kind.value,
                    measure=measure.value,
                ),
            )
        if measure is Measure.POP and kind is ValueKind.GROWTH_RATE:
            refuse(
                "measure",
                message(
                    N_("{code} is a published rate on the year before; it has no period-on-period change"),
                    code=indicator.code,
                ),
            )
        if (
            measure is Measure.INDEX
            and kind is not ValueKind.GROWTH_RATE
            and changes_as_difference(indicator)
        ):
            refuse(
                "measure",
                message(
                    N_("{code} is a percentage; compare it by differences in points, not as an index"),
                    code=indicator.code,
                ),
            )
        if chart in SUMMED_CHARTS and (kind not in ADDITIVE or measure not in (Measure.LEVEL, Measure.SHARE)):
            refuse(
                "chart",
                message(
                    N_("a {chart} adds its parts up; {code} ({kind}, {measure}) cannot be added up"),
                    chart=chart.value,
                    code=indicator.code,
                    kind=kind.value,
                    measure=measure.value,
                ),
            )

    def units(self, indicators: list[Indicator]) -> None:
        panel = self.panel
        if panel.unit and panel.measure not in (Measure.LEVEL, Measure.PER_CAPITA):
            self.refuse(
                "unit",
                "unit",
                message(
                    N_("a {measure} panel has its own unit; leave the unit empty"),
                    measure=panel.measure.value,
                ),
            )
            return
        for indicator in indicators:
            try:
                if panel.measure is Measure.LEVEL and panel.unit:
                    conversion_factor(indicator.unit, panel.unit)
                if panel.measure is Measure.PER_CAPITA:
                    population = self.catalog.by_code[DEFAULT_POPULATION]
                    per_capita_factor(indicator, population, panel.unit or DEFAULT_UNIT)
            except (InvalidInput, KeyError) as error:
                text = (
                    error.message
                    if isinstance(error, InvalidInput)
                    else message(N_("no population indicator"))
                )
                self.refuse("unit", "unit", text)
                return
        shown = {measure_unit(indicator, panel) for indicator in indicators}
        limit = MAX_UNITS if panel.chart in (ChartType.LINE, ChartType.BAR, ChartType.TABLE) else 1
        if panel.chart is ChartType.TABLE:
            limit = len(shown)
        if len(shown) > limit:
            self.refuse(
                "indicators",
                "units",
                message(
                    N_("the series are in {units}; a {chart} shows at most {limit} unit(s)"),
                    units=", ".join(sorted(shown)),
                    chart=panel.chart.value,
                    limit=limit,
                ),
            )


def check_definition(conn: Connection, definition: Definition) -> list[Problem]:
    """Every problem of the definition's panels against the catalogue and the region list."""
    catalog, index = indicator_catalog(conn), region_index(conn)
    found: list[Problem] = []
    for number, panel in enumerate(definition.panels, start=1):
        _PanelCheck(number, panel, catalog, index, found).run()
    return found
