"""Reading the store: series by indicators × regions × periods × disaggregations, as of any instant,
with values summed from sub-regions and derived indicators computed on demand (and flagged as such)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, or_, select, type_coerce
from sqlalchemy.types import NullType

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.accounts.tables import organisations
from citybase.errors import InvalidInput, NotFound
from citybase.facts.checking import canonical_dims
from citybase.facts.model import FactItem, Revision, Role
from citybase.facts.tables import facts
from citybase.indicators.catalog import IndicatorCatalog, indicator_catalog
from citybase.indicators.formulas import parse_formula
from citybase.indicators.model import Indicator
from citybase.indicators.service import versions_of
from citybase.messages import N_, message
from citybase.regions.codes import normalise_code
from citybase.regions.index import RegionIndex, region_index
from citybase.transform.cumulative import cumulative_from_singles, singles_from_cumulative
from citybase.transform.periods import Frequency, Period, parse_period
from citybase.transform.units import conversion_factor, parse_unit, registry

MAX_LIMIT = 10_000


@lru_cache(maxsize=8192)
def period_of(text: str) -> Period:
    """Stored periods are canonical and few: parse each once."""
    return parse_period(text)


@dataclass(frozen=True)
class SeriesQuery:
    indicators: Sequence[str]
    regions: Sequence[str] = ()
    start: str | None = None
    end: str | None = None
    dims: str | None = ""  # "" the totals only; None every breakdown; "SEX=F" one
    frequency: str | None = None  # only periods that are exactly one year, quarter, ...
    as_of: dt.datetime | None = None
    status: str | None = None
    unit: str | None = None
    include_computed: bool = True
    limit: int = 1000
    offset: int = 0


@dataclass
class FactPage:
    items: list[FactItem]
    total: int
    notes: list[str] = field(default_factory=list)


def _bounds(query: SeriesQuery) -> tuple[int | None, int | None]:
    start = parse_period(query.start).first_month_index if query.start else None
    end = parse_period(query.end).last_month_index if query.end else None
    if start is not None and end is not None and start > end:
        raise InvalidInput(
            message(
                N_("The start period {start} is after the end period {end}"), start=query.start, end=query.end
            )
        )
    return start, end


def _fetch(
    conn: Connection,
    catalog: IndicatorCatalog,
    regions_index: RegionIndex,
    indicator: Indicator,
    regions: Sequence[str],
    start: int | None,
    end: int | None,
    query: SeriesQuery,
) -> list[FactItem]:
    """The indicator's stored values for these regions and bounds, as reported items."""
    condition = [facts.c.indicator_id == indicator.id, facts.c.role == Role.AUTHORITATIVE.value]
    if regions:
        condition.append(facts.c.region_code.in_(regions))
    if start is not None:
        condition.append(facts.c.period_start >= start)
    if end is not None:
        condition.append(facts.c.period_end <= end)
    if query.as_of is None:
        condition.append(facts.c.superseded_at.is_(None))
    else:
        condition += [
            facts.c.recorded_at <= query.as_of,
            or_(facts.c.superseded_at.is_(None), facts.c.superseded_at > query.as_of),
        ]
    if query.dims is not None:
        condition.append(facts.c.dims == canonical_dims(query.dims))
    if query.status:
        condition.append(facts.c.status == query.status)
    rows = conn.execute(select(*_FETCHED).where(*condition)).all()
    # The hot path of every series query: rows become items in one pass, organisation codes come from the
    # catalogue rather than a join, and timestamps and region names are looked up once per distinct value.
    orgs = catalog.org_codes
    moments: dict[Any, dt.datetime] = {}
    names: dict[str, str] = {}
    code, name, unit = indicator.code, indicator.name, indicator.unit
    found = []
    for fact_id, region, period, dims, value, status, org_id, origin, recorded_by, raw, note in rows:
        moment = moments.get(raw)
        if moment is None:
            moment = moments[raw] = _aware(raw)
        region_name = names.get(region)
        if region_name is None:
            latest = regions_index.latest(region)
            region_name = names[region] = latest.name if latest else ""
        found.append(
            FactItem(
                indicator=code,
                indicator_name=name,
                region=region,
                region_name=region_name,
                period=period,
                dims=dims,
                value=value,
                unit=unit,
                status=status,
                source=orgs[org_id],
                origin=origin,
                recorded_at=moment,
                recorded_by=recorded_by,
                note=note,
                fact_id=fact_id,
                definition_version=1,
            )
        )
    return found


_FETCHED = (
    facts.c.id,
    facts.c.region_code,
    facts.c.period,
    facts.c.dims,
    facts.c.value,
    facts.c.status,
    facts.c.source_org_id,
    facts.c.origin,
    facts.c.recorded_by,
    type_coerce(facts.c.recorded_at, NullType()),  # read raw: converted once per distinct value
    facts.c.note,
)


def _aware(raw: Any) -> dt.datetime:
    """A stored timestamp as an aware UTC datetime, whether the driver gave text (SQLite) or a datetime."""
    moment = dt.datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def query_facts(conn: Connection, actor: Actor, query: SeriesQuery) -> FactPage:
    """Values for the requested series, sorted by indicator, region, period and breakdown."""
    require(actor, Permission.VIEW_FACTS)
    if not query.indicators:
        raise InvalidInput(message(N_("Name at least one indicator")))
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidInput(message(N_("The limit must lie between 1 and {max}"), max=MAX_LIMIT))
    catalog = indicator_catalog(conn)
    regions_index = region_index(conn)
    chosen: list[tuple[Indicator, str | None]] = []
    for code in query.indicators:
        resolved = catalog.resolve(code.strip().upper())
        if resolved is None:
            raise NotFound(message(N_("Unknown indicator {code}"), code=code))
        indicator, alias = resolved
        chosen.append((indicator, alias.unit if alias else None))
    regions = [normalise_code(code) for code in query.regions]
    for code in regions:
        if code not in regions_index.versions:
            raise NotFound(message(N_("Unknown region code {code}"), code=code))
    if query.frequency is not None:
        try:
            Frequency(query.frequency)
        except ValueError as exc:
            raise InvalidInput(
                message(
                    N_("'{value}' is not one of {allowed}"),
                    value=query.frequency,
                    allowed=", ".join(item.value for item in Frequency),
                )
            ) from exc
    start, end = _bounds(query)
    items: list[FactItem] = []
    for indicator, alias_unit in chosen:
        unit = query.unit or alias_unit or indicator.unit
        factor = _factor(indicator, unit)
        series = _series(conn, catalog, regions_index, indicator, regions, start, end, query)
        breaks = _version_starts(conn, actor, indicator)
        for item in series:
            items.append(_in_unit(item, unit, factor, indicator.decimals, breaks))
    if query.frequency is not None:
        wanted = Frequency(query.frequency)
        items = [item for item in items if period_of(item.period).natural_frequency() is wanted]
    items.sort(
        key=lambda item: (
            item.indicator,
            item.region,
            period_of(item.period).first_month_index,
            period_of(item.period).last_month_index,
            item.dims,
        )
    )
    return FactPage(items=items[query.offset : query.offset + query.limit], total=len(items))


def _factor(indicator: Indicator, unit: str) -> Decimal:
    if unit == indicator.unit:
        return Decimal(1)
    return conversion_factor(indicator.unit, unit)


def _version_starts(conn: Connection, actor: Actor, indicator: Indicator) -> list[tuple[int, int]]:
    """(first month index, version) of each definition version, to tag each value with the 口径 it follows."""
    if indicator.version == 1:
        return [(0, 1)]
    return [
        (version.effective_from.year * 12 + version.effective_from.month - 1, version.version)
        for version in versions_of(conn, actor, indicator.code)
    ]


def _definition_version(breaks: list[tuple[int, int]], period: str) -> int:
    if len(breaks) == 1:
        return breaks[0][1]
    first = period_of(period).first_month_index
    version = breaks[0][1]
    for start, number in breaks:
        if first >= start:
            version = number
    return version


def _in_unit(
    item: FactItem, unit: str, factor: Decimal, decimals: int, breaks: list[tuple[int, int]]
) -> FactItem:
    """The item in the unit asked for. Reported values keep every digit they were stored with; computed
    ones (sums, formulas, differences) are rounded a few places past the indicator's decimals, which
    removes float noise such as 19492.600000000002 without hiding real digits."""
    version = _definition_version(breaks, item.period)
    untouched = factor == 1 and item.computed is None and item.computed_value is None and unit == item.unit
    if untouched and version == item.definition_version:
        return item  # the common case: a reported value in its own unit under the first 口径
    computed_places = decimals + 4 + max(0, -factor.adjusted())

    def scaled(value: float | None, *, computed: bool) -> float | None:
        if value is None:
            return None
        converted = value if factor == 1 else float(Decimal(repr(value)) * factor)
        return round(converted, computed_places) if computed else converted

    return FactItem(
        **{
            **item.__dict__,
            "value": scaled(item.value, computed=item.computed is not None),
            "unit": unit,
            "computed_value": scaled(item.computed_value, computed=True),
            "difference": scaled(item.difference, computed=True),
            "definition_version": version,
        }
    )


def _series(
    conn: Connection,
    catalog: IndicatorCatalog,
    regions_index: RegionIndex,
    indicator: Indicator,
    regions: list[str],
    start: int | None,
    end: int | None,
    query: SeriesQuery,
) -> list[FactItem]:
    if indicator.formula is not None:
        return _derived(conn, catalog, regions_index, indicator, regions, start, end, query)
    items = {
        (item.region, item.period, item.dims): item
        for item in _fetch(conn, catalog, regions_index, indicator, regions, start, end, query)
    }
    if query.include_computed and indicator.sums_over_regions and regions and query.status is None:
        for key, item in _sums(conn, catalog, regions_index, indicator, regions, start, end, query).items():
            reported = items.get(key)
            if reported is None:
                items[key] = item
            else:
                difference = (
                    None if item.value is None or reported.value is None else reported.value - item.value
                )
                items[key] = FactItem(
                    **{
                        **reported.__dict__,
                        "computed_value": item.value,
                        "coverage": item.coverage,
                        "difference": difference,
                    }
                )
    # Only indicators reported more often than yearly have periods to derive one from another.
    if (
        query.include_computed
        and indicator.sums_over_time
        and query.status is None
        and (indicator.frequency is not Frequency.YEAR)
    ):
        items.update(_over_time(indicator, items))
    return list(items.values())


def _over_time(indicator: Indicator, items: dict[tuple[str, str, str], FactItem]) -> dict[Any, FactItem]:
    """Single periods from year-to-date values and year-to-date values from single periods (flows only),
    where the store has not got them; marked as computed."""
    by_series: dict[tuple[str, str], dict[Period, FactItem]] = {}
    for (region, text, dims), item in items.items():
        if item.value is not None and item.computed is None:
            by_series.setdefault((region, dims), {})[period_of(text)] = item
    derived: dict[Any, FactItem] = {}
    for (region, dims), series in by_series.items():
        values = {when: item.value for when, item in series.items() if item.value is not None}
        template = next(iter(series.values()))
        for method, found in (
            ("from_cumulative", singles_from_cumulative(values, indicator.frequency)),
            ("cumulative", cumulative_from_singles(values, indicator.frequency)),
        ):
            for when, value in found.items():
                key = (region, str(when), dims)
                if key not in items:
                    derived[key] = FactItem(
                        **{
                            **template.__dict__,
                            "period": str(when),
                            "value": value,
                            "status": "computed",
                            "source": None,
                            "origin": None,
                            "recorded_at": None,
                            "recorded_by": None,
                            "note": "",
                            "fact_id": None,
                            "computed": method,
                            "coverage": None,
                            "computed_value": None,
                            "difference": None,
                        }
                    )
    return derived


def _sums(
    conn: Connection,
    catalog: IndicatorCatalog,
    regions_index: RegionIndex,
    indicator: Indicator,
    regions: list[str],
    start: int | None,
    end: int | None,
    query: SeriesQuery,
) -> dict[tuple[str, str, str], FactItem]:
    """Each requested parent region's value summed from its direct sub-regions, with the coverage."""
    # Every sub-region that ever belonged to the parent, so sums over past years include retired codes.
    children_of = {
        code: list({kid.code: kid for kid in regions_index.children.get(code, [])}.values())
        for code in regions
    }
    wanted = sorted({child.code for kids in children_of.values() for child in kids})
    if not wanted:
        return {}
    rows = _fetch(conn, catalog, regions_index, indicator, wanted, start, end, query)
    by_key: dict[tuple[str, str, str], dict[str, float]] = {}
    for row in rows:
        if row.value is not None:
            by_key.setdefault((row.region, row.period, row.dims), {})[row.region] = row.value
    sums: dict[tuple[str, str, str], FactItem] = {}
    for parent, kids in children_of.items():
        if not kids:
            continue
        periods = {(row.period, row.dims) for row in rows if row.region in {kid.code for kid in kids}}
        for period, dims in periods:
            year = period_of(period).year
            values = {
                kid.code: by_key[(kid.code, period, dims)][kid.code]
                for kid in kids
                if (kid.code, period, dims) in by_key
            }
            if not values:
                continue
            # Coverage counts the sub-regions in use that year and any other that carries a value for it.
            expected = {kid.code for kid in regions_index.children_of(parent, year)} | set(values)
            present = list(values.values())
            region = regions_index.latest(parent)
            sums[(parent, period, dims)] = FactItem(
                indicator=indicator.code,
                indicator_name=indicator.name,
                region=parent,
                region_name=region.name if region else "",
                period=period,
                dims=dims,
                value=sum(present),
                unit=indicator.unit,
                status="computed",
                source=None,
                origin=None,
                recorded_at=None,
                recorded_by=None,
                note="",
                fact_id=None,
                definition_version=1,
                computed="sum",
                coverage=f"{len(present)}/{len(expected)}",
            )
    return sums


def _derived(
    conn: Connection,
    catalog: IndicatorCatalog,
    regions_index: RegionIndex,
    indicator: Indicator,
    regions: list[str],
    start: int | None,
    end: int | None,
    query: SeriesQuery,
) -> list[FactItem]:
    """A formula evaluated, with units, on the inputs' values for the same region, period and breakdown."""
    formula = parse_formula(indicator.formula or "")
    inputs = {code: catalog.by_code[code] for code in formula.inputs}
    values: dict[str, dict[tuple[str, str, str], float]] = {}
    for code, item in inputs.items():
        series = _series(
            conn,
            catalog,
            regions_index,
            item,
            regions,
            start,
            end,
            SeriesQuery(
                indicators=[code],
                regions=regions,
                dims=query.dims,
                as_of=query.as_of,
                status=query.status,
                include_computed=query.include_computed,
            ),
        )
        values[code] = {
            (row.region, row.period, row.dims): row.value for row in series if row.value is not None
        }
    common = set.intersection(*(set(found) for found in values.values())) if values else set()
    ureg = registry()
    target = parse_unit(indicator.unit)
    results: list[FactItem] = []
    for key in sorted(common):
        quantities = {
            code: ureg.Quantity(values[code][key], parse_unit(inputs[code].unit)) for code in inputs
        }
        try:
            result: Any = formula.evaluate(quantities)
        except ZeroDivisionError:
            continue
        result = result if isinstance(result, ureg.Quantity) else ureg.Quantity(result)
        number = float(
            result.to("dimensionless").magnitude if result.dimensionless else result.to(target).magnitude
        )
        region = regions_index.latest(key[0])
        results.append(
            FactItem(
                indicator=indicator.code,
                indicator_name=indicator.name,
                region=key[0],
                region_name=region.name if region else "",
                period=key[1],
                dims=key[2],
                value=number,
                unit=indicator.unit,
                status="computed",
                source=None,
                origin=None,
                recorded_at=None,
                recorded_by=None,
                note=indicator.formula or "",
                fact_id=None,
                definition_version=1,
                computed="formula",
            )
        )
    return results


def revisions(
    conn: Connection, actor: Actor, indicator_code: str, region: str, period: str, dims: str = ""
) -> list[Revision]:
    """Every value ever stored for one key, oldest first, from every source."""
    require(actor, Permission.VIEW_FACTS)
    resolved = indicator_catalog(conn).resolve(indicator_code.strip().upper())
    if resolved is None:
        raise NotFound(message(N_("Unknown indicator {code}"), code=indicator_code))
    indicator = resolved[0]
    canonical_period = str(parse_period(period))
    rows = conn.execute(
        select(facts, organisations.c.code.label("source"))
        .join(organisations, organisations.c.id == facts.c.source_org_id)
        .where(
            facts.c.indicator_id == indicator.id,
            facts.c.region_code == normalise_code(region),
            facts.c.period == canonical_period,
            facts.c.dims == canonical_dims(dims),
        )
        .order_by(facts.c.recorded_at, facts.c.id)
    )
    return [
        Revision(
            fact_id=row.id,
            value=row.value,
            unit=indicator.unit,
            status=row.status,
            role=row.role,
            source=row.source,
            origin=row.origin,
            recorded_by=row.recorded_by,
            recorded_at=row.recorded_at,
            superseded_at=row.superseded_at,
            note=row.note,
        )
        for row in rows
    ]
