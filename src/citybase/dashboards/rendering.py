"""A panel's data: its series (indicator × region) over its periods, in the panel's measure, read through
the facts query layer and worked out as the analysis services do — growth as a % change of levels
(nominal) or a difference in points for rates, published rates as stored with their own price basis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.growth import change
from citybase.analysis.indices import index_series
from citybase.analysis.observations import computed_price_basis, rounded
from citybase.analysis.percapita import DEFAULT_POPULATION, DEFAULT_UNIT
from citybase.dashboards.checking import (
    check_definition,
    expand_regions,
    measure_unit,
    per_capita_factor,
    window_periods,
)
from citybase.dashboards.model import Definition, Measure, Panel
from citybase.dashboards.service import get_dashboard
from citybase.errors import CityBaseError, InvalidInput, NotFound
from citybase.facts.query import MAX_LIMIT, SeriesQuery, period_of, query_facts
from citybase.indicators.catalog import indicator_catalog
from citybase.indicators.model import Indicator, ValueKind
from citybase.messages import N_, Message, message
from citybase.regions.index import RegionIndex, region_index
from citybase.transform.periods import Period

MAX_NOTES = 8
Values = dict[tuple[str, str], float]  # (region, period) -> value


@dataclass(frozen=True)
class Point:
    value: float | None
    input: float | None = None  # the stored value the point was worked out from
    base: float | None = None  # the base, parent value, population or base-period value it was set against


@dataclass(frozen=True)
class SeriesData:
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    unit: str
    price_basis: str | None  # nominal, comparable, or None where it does not apply
    method: str  # stored, published, computed, ratio_to_base, chained_rates
    points: tuple[Point, ...]

    @property
    def values(self) -> list[float | None]:
        return [point.value for point in self.points]


@dataclass(frozen=True)
class PanelData:
    dashboard: str
    number: int
    panel: Panel
    periods: tuple[str, ...]
    series: tuple[SeriesData, ...]
    notes: tuple[Message, ...] = field(default_factory=tuple)

    @property
    def latest(self) -> int | None:
        """The position of the last period with any value (what a pie, map or KPI tile shows)."""
        for position in range(len(self.periods) - 1, -1, -1):
            if any(item.points[position].value is not None for item in self.series):
                return position
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "dashboard": self.dashboard,
            "panel": self.number,
            "title": self.panel.title,
            "chart": self.panel.chart.value,
            "measure": self.panel.measure.value,
            "frequency": self.panel.frequency,
            "periods": list(self.periods),
            "series": [
                {
                    "indicator": item.indicator,
                    "indicator_name": item.indicator_name,
                    "region": item.region,
                    "region_name": item.region_name,
                    "unit": item.unit,
                    "price_basis": item.price_basis,
                    "method": item.method,
                    "values": item.values,
                }
                for item in self.series
            ],
            "notes": [note.render() for note in self.notes],
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "dashboard": self.dashboard,
                "panel": self.number,
                "indicator": item.indicator,
                "indicator_name": item.indicator_name,
                "region": item.region,
                "region_name": item.region_name,
                "period": period,
                "measure": self.panel.measure.value,
                "value": point.value,
                "unit": item.unit,
                "price_basis": item.price_basis,
                "method": item.method,
                "input_value": point.input,
                "base_value": point.base,
            }
            for item in self.series
            for period, point in zip(self.periods, item.points, strict=True)
        ]


def panel_data(conn: Connection, actor: Actor, dashboard: str, number: int, panel: Panel) -> PanelData:
    """Compute one panel's series; a panel the store no longer supports is refused with its problems."""
    require(actor, Permission.VIEW_FACTS)
    problems = check_definition(conn, Definition(code=dashboard, title=dashboard, panels=(panel,)))
    if problems:
        raise InvalidInput(problems[0].message, problems=problems)
    return _Computation(conn, actor, panel).run(dashboard, number)


def dashboard_panel_data(conn: Connection, actor: Actor, code: str, number: int) -> PanelData:
    """Panel `number` (from 1) of a dashboard the actor may see."""
    dashboard = get_dashboard(conn, actor, code)
    if not 1 <= number <= len(dashboard.panels):
        raise NotFound(
            message(N_("The dashboard {code} has no panel {number}"), code=dashboard.code, number=number)
        )
    return panel_data(conn, actor, dashboard.code, number, dashboard.panels[number - 1])


class _Computation:
    def __init__(self, conn: Connection, actor: Actor, panel: Panel) -> None:
        self.conn, self.actor, self.panel = conn, actor, panel
        self.catalog = indicator_catalog(conn)
        self.index: RegionIndex = region_index(conn)
        self.regions = expand_regions(self.index, panel.regions)
        self.fixed = window_periods(panel)
        self.notes: list[Message] = []

    def note(self, text: Message) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)

    def run(self, dashboard: str, number: int) -> PanelData:
        measured: list[tuple[Indicator, str, dict[str, Point], str | None, str]] = []
        for code in self.panel.indicators:
            resolved = self.catalog.resolve(code)
            if resolved is None:  # checked before; the catalogue could change in between
                raise NotFound(message(N_("Unknown indicator {code}"), code=code))
            indicator, _alias = resolved
            measured += self.measure(code, indicator)
        periods = self.periods([points for _i, _r, points, _b, _m in measured])
        series = []
        for indicator, region, points, basis, method in measured:
            latest = self.index.latest(region)
            series.append(
                SeriesData(
                    indicator=indicator.code,
                    indicator_name=indicator.name,
                    region=region,
                    region_name=latest.name if latest else region,
                    unit=measure_unit(indicator, self.panel),
                    price_basis=basis,
                    method=method,
                    points=tuple(points.get(period, Point(None)) for period in periods),
                )
            )
            if all(points.get(period) is None for period in periods):
                self.note(
                    message(
                        N_("No value of {indicator} for region {region} in these periods"),
                        indicator=indicator.code,
                        region=region,
                    )
                )
        return PanelData(dashboard, number, self.panel, tuple(periods), tuple(series), tuple(self.notes))

    def periods(self, found: list[dict[str, Point]]) -> list[str]:
        if self.fixed is not None:
            return [str(period) for period in self.fixed]
        with_values = {
            period for points in found for period, point in points.items() if point.value is not None
        }
        ordered = sorted(with_values, key=lambda text: period_of(text).first_month_index)
        return ordered[-(self.panel.window.last or 1) :]

    def read(
        self, code: str, regions: list[str], unit: str | None, start: str | None, frequency: str | None = None
    ) -> Values:
        """Stored and store-computed values of one indicator at the panel's frequency (or the one given)."""
        end = str(self.fixed[-1]) if self.fixed and frequency is None else None
        found: Values = {}
        offset = 0
        while True:
            page = query_facts(
                self.conn,
                self.actor,
                SeriesQuery(
                    indicators=[code],
                    regions=regions,
                    start=start,
                    end=end,
                    frequency=frequency or self.panel.frequency,
                    unit=unit,
                    limit=MAX_LIMIT,
                    offset=offset,
                ),
            )
            for item in page.items:
                if item.value is not None:
                    found[(item.region, item.period)] = float(item.value)
            offset += len(page.items)
            if offset >= page.total or not page.items:
                return found

    def start(self, back: int) -> str | None:
        if self.fixed is None:
            return None
        first = self.fixed[0]
        return str(first.shift_years(-1) if back == 1 else first.previous() if back == 2 else first)

    def measure(
        self, code: str, indicator: Indicator
    ) -> list[tuple[Indicator, str, dict[str, Point], str | None, str]]:
        measure = self.panel.measure
        declared = indicator.price_basis.value if indicator.price_basis else None
        if measure is Measure.LEVEL:
            values = self.read(code, self.regions, self.panel.unit or None, self.start(0))
            method = "published" if indicator.value_kind is ValueKind.GROWTH_RATE else "stored"
            return [
                (indicator, region, _points(values, region, lambda v, _p: Point(v, v)), declared, method)
                for region in self.regions
            ]
        if measure is Measure.INDEX:
            return [self.indexed(code, indicator, region) for region in self.regions]
        if measure in (Measure.YOY, Measure.POP):
            return self.growth(code, indicator, declared)
        if measure is Measure.SHARE:
            return self.shares(code, indicator)
        return self.per_capita(code, indicator)

    def growth(
        self, code: str, indicator: Indicator, declared: str | None
    ) -> list[tuple[Indicator, str, dict[str, Point], str | None, str]]:
        yoy = self.panel.measure is Measure.YOY
        values = self.read(code, self.regions, None, self.start(1 if yoy else 2))
        if indicator.value_kind is ValueKind.GROWTH_RATE:  # a published rate, as stored
            return [
                (indicator, region, _points(values, region, lambda v, _p: Point(v, v)), declared, "published")
                for region in self.regions
            ]

        def grown(region: str) -> dict[str, Point]:
            points: dict[str, Point] = {}
            for (where, text), current in values.items():
                if where != region:
                    continue
                period = period_of(text)
                base = period.shift_years(-1) if yoy else period.previous()
                previous = values.get((region, str(base)))
                if previous is None:
                    continue
                try:
                    value = change(indicator, current, previous, base)[0]
                except InvalidInput as error:
                    self.note(error.message)
                    continue
                points[text] = Point(value, current, previous)
            return points

        basis = computed_price_basis(indicator)
        return [(indicator, region, grown(region), basis, "computed") for region in self.regions]

    def shares(
        self, code: str, indicator: Indicator
    ) -> list[tuple[Indicator, str, dict[str, Point], str | None, str]]:
        parents = {region: _parent(self.index, region) for region in self.regions}
        wanted = list(dict.fromkeys([*self.regions, *(code for code in parents.values() if code)]))
        values = self.read(code, wanted, None, self.start(0))
        found = []
        for region in self.regions:
            parent = parents[region]
            if parent is None:
                self.note(
                    message(N_("Region {region} has no parent region to take a share of"), region=region)
                )

            def share(value: float, period: str, parent: str | None = parent) -> Point:
                whole = values.get((parent, period)) if parent else None
                if not whole:
                    return Point(None, value, whole)
                return Point(rounded(value / whole * 100), value, whole)

            found.append(
                (
                    indicator,
                    region,
                    _points(values, region, share),
                    computed_price_basis(indicator),
                    "computed",
                )
            )
        return found

    def per_capita(
        self, code: str, indicator: Indicator
    ) -> list[tuple[Indicator, str, dict[str, Point], str | None, str]]:
        """Over the year-end resident population of the period's year, in the panel's unit (元/人)."""
        population = self.catalog.by_code[DEFAULT_POPULATION]
        factor = per_capita_factor(indicator, population, self.panel.unit or DEFAULT_UNIT)
        values = self.read(code, self.regions, None, self.start(0))
        people = self.read(population.code, self.regions, None, None, frequency="year")

        def per_head(region: str) -> dict[str, Point]:
            points = {}
            for (where, period), value in values.items():
                if where != region:
                    continue
                heads = people.get((region, str(Period.year_of(period_of(period).year))))
                points[period] = Point(rounded(value / heads * factor, 4) if heads else None, value, heads)
            return points

        basis = computed_price_basis(indicator)
        return [(indicator, region, per_head(region), basis, "computed") for region in self.regions]

    def indexed(
        self, code: str, indicator: Indicator, region: str
    ) -> tuple[Indicator, str, dict[str, Point], str | None, str]:
        periods = self.fixed or [
            period_of(text)
            for text in self.periods(
                [_points(self.read(code, [region], None, None), region, lambda v, _p: Point(v))]
            )
        ]
        if not periods:
            return indicator, region, {}, None, "ratio_to_base"
        try:
            found = index_series(
                self.conn, self.actor, code, region, str(periods[0]), str(periods[0]), str(periods[-1])
            )
        except CityBaseError as error:
            self.note(error.message)
            return indicator, region, {}, None, "ratio_to_base"
        base = found.base_value.value if found.base_value else None
        points = {
            item.period: Point(item.index, item.input.value if item.input else None, base)
            for item in found.points
        }
        return indicator, region, points, found.price_basis, found.method


def _parent(index: RegionIndex, region: str) -> str | None:
    found = index.latest(region)
    return found.parent_code if found else None


def _points(values: Values, region: str, make: Callable[[float, str], Point]) -> dict[str, Point]:
    return {period: make(value, period) for (where, period), value in values.items() if where == region}
