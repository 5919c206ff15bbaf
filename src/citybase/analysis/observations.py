"""The values analysis works on, read through the facts query layer (as of a vintage, by status), and the
checks every calculation shares: a known indicator and region, and a period that fits the frequency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.errors import InvalidInput, NotFound
from citybase.facts.model import FactItem
from citybase.facts.query import MAX_LIMIT, SeriesQuery, period_of, query_facts
from citybase.indicators.catalog import indicator_catalog
from citybase.indicators.model import Alias, Indicator, PriceBasis, ValueKind
from citybase.messages import N_, Message, message
from citybase.regions.codes import normalise_code
from citybase.regions.index import region_index
from citybase.transform.periods import Period, check_frequency, parse_period
from citybase.transform.units import parse_unit, registry

PERCENT_POINT = "个百分点"
PERMILLE_POINT = "个千分点"

# Why a value is needed, named in the refusal when it is missing.
CURRENT = N_("the period asked for")
BASE = N_("the base period")
LAST = N_("the end period")
FIRST = N_("the start period")


@dataclass(frozen=True)
class Options:
    """What every calculation reads: values as published at `as_of` (now when None), of one status."""

    as_of: dt.datetime | None = None
    status: str | None = None
    dims: str = ""


LATEST = Options()  # the values published now, of any status


@dataclass(frozen=True)
class Observation:
    """One input value, with where it came from, so every computed number can be traced."""

    indicator: str
    region: str
    region_name: str
    period: str
    value: float
    unit: str
    status: str
    source: str | None
    computed: str | None
    coverage: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Subject:
    """An indicator as asked for; through an alias it may carry a unit, a breakdown or a year-to-date
    basis."""

    indicator: Indicator
    unit: str
    dims: str
    cumulative: bool

    @property
    def code(self) -> str:
        return self.indicator.code


def subject(conn: Connection, code: str, options: Options = LATEST) -> Subject:
    """The indicator a code names, directly or through an alias, or NotFound naming the code."""
    found = indicator_catalog(conn).resolve(code.strip().upper())
    if found is None:
        raise NotFound(message(N_("Unknown indicator {code}"), code=code))
    indicator, alias = found
    return _subject(indicator, alias, options)


def _subject(indicator: Indicator, alias: Alias | None, options: Options) -> Subject:
    return Subject(
        indicator=indicator,
        unit=(alias.unit if alias and alias.unit else indicator.unit),
        dims=options.dims or (alias.dims if alias else ""),
        cumulative=bool(alias and alias.cumulative),
    )


def region_code(conn: Connection, code: str) -> str:
    """The normalised region code, or NotFound naming it."""
    normalised = normalise_code(code.strip())
    if normalised not in region_index(conn).versions:
        raise NotFound(message(N_("Unknown region code {code}"), code=code))
    return normalised


def region_label(conn: Connection, code: str) -> str:
    region = region_index(conn).latest(code)
    return f"{region.name} {code}" if region else code


def checked_period(text: str, target: Subject) -> Period:
    """The period a text names, refused when it does not fit the indicator's frequency; through a
    year-to-date alias a quarter or month means January to its end (GDP_YTD 2017Q3 is 2017Q3YTD)."""
    period = parse_period(text)
    if target.cumulative and period.start_month != 1:
        period = Period.to_date(period.year, period.end_month)
    check_frequency(period, target.indicator.frequency, target.code)
    return period


def read(
    conn: Connection,
    actor: Actor,
    target: Subject,
    regions: Sequence[str],
    periods: Iterable[Period],
    options: Options,
) -> dict[tuple[str, str], Observation]:
    """The values of one indicator for these regions and periods, keyed by (region, period); reported
    values and those the store computes (sums of sub-regions, year-to-date from single periods)."""
    wanted = {str(period) for period in periods}
    if not wanted or not regions:
        return {}
    bounds = [period_of(text) for text in wanted]
    start = min(bounds, key=lambda period: period.first_month_index)
    end = max(bounds, key=lambda period: period.last_month_index)
    found: dict[tuple[str, str], Observation] = {}
    for item in _items(conn, actor, target, regions, str(Period.year_of(start.year)), str(end), options):
        if item.period in wanted and item.value is not None:
            found[(item.region, item.period)] = observation(item)
    return found


def read_series(
    conn: Connection,
    actor: Actor,
    target: Subject,
    region: str,
    options: Options,
    start: str | None = None,
    end: str | None = None,
) -> list[Observation]:
    """Every value of one indicator for one region, in period order."""
    items = _items(conn, actor, target, [region], start, end, options)
    return [observation(item) for item in items if item.value is not None]


def _items(
    conn: Connection,
    actor: Actor,
    target: Subject,
    regions: Sequence[str],
    start: str | None,
    end: str | None,
    options: Options,
) -> list[FactItem]:
    items: list[FactItem] = []
    while True:
        page = query_facts(
            conn,
            actor,
            SeriesQuery(
                indicators=[target.code],
                regions=list(regions),
                start=start,
                end=end,
                dims=target.dims,
                as_of=options.as_of,
                status=options.status,
                unit=target.unit if target.unit != target.indicator.unit else None,
                limit=MAX_LIMIT,
                offset=len(items),
            ),
        )
        items += page.items
        if len(items) >= page.total or not page.items:
            return items


def observation(item: FactItem) -> Observation:
    return Observation(
        indicator=item.indicator,
        region=item.region,
        region_name=item.region_name,
        period=item.period,
        value=float(item.value or 0.0),
        unit=item.unit,
        status=item.status,
        source=item.source,
        computed=item.computed,
        coverage=item.coverage,
    )


def required(
    found: dict[tuple[str, str], Observation], target: Subject, region: str, period: Period, why: str
) -> Observation:
    """The value for one key, or NotFound saying which value is missing and what it was needed for."""
    value = found.get((region, str(period)))
    if value is None:
        raise NotFound(no_value(target.code, region, period, why))
    return value


def no_value(code: str, region: str, period: Period | str, why: str) -> Message:
    return message(
        N_("No value of {indicator} for region {region} in {period} ({why})"),
        indicator=code,
        region=region,
        period=str(period),
        why=message(why),
    )


def is_percentage(unit: str) -> bool:
    """Whether a unit is a percentage or per-mille (a rate whose change is a difference in points)."""
    try:
        parsed = parse_unit(unit)
    except InvalidInput:
        return False
    ureg = registry()
    return bool(parsed in (ureg.percent, ureg.permille))


def changes_as_difference(indicator: Indicator) -> bool:
    """Rates and percentage shares change by a difference in points (个百分点), never a % of a %."""
    return indicator.value_kind is ValueKind.GROWTH_RATE or (
        indicator.value_kind is ValueKind.RATIO and is_percentage(indicator.unit)
    )


def point_unit(unit: str) -> str:
    ureg = registry()
    try:
        return PERMILLE_POINT if parse_unit(unit) == ureg.permille else PERCENT_POINT
    except InvalidInput:
        return PERCENT_POINT


def computed_price_basis(indicator: Indicator) -> str | None:
    """Growth worked out from stored values is at current prices (nominal) unless the indicator says
    its values are at comparable prices; a percentage ratio keeps whatever basis it declares."""
    if indicator.price_basis is not None:
        return indicator.price_basis.value
    return None if changes_as_difference(indicator) else PriceBasis.NOMINAL.value


def require_additive(target: Subject, what: str) -> None:
    """Refuse rates, ratios and indices where values must add up (parts of a total, sums, shares)."""
    kind = target.indicator.value_kind
    if kind not in (ValueKind.FLOW, ValueKind.STOCK):
        raise InvalidInput(
            message(
                N_("{code} is a {kind} and cannot be added up, so it has no {what}"),
                code=target.code,
                kind=kind.value,
                what=message(what),
            )
        )


def ratio_percent(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole * 100


def rounded(value: float | None, places: int = 6) -> float | None:
    """Computed figures lose float noise (19492.600000000002) but keep every meaningful digit."""
    return None if value is None else round(value, places)
