"""Anomalies across the whole store (异常值识别): values that break their series' pattern and relations
that do not hold (parts against their total, sub-regions against their region), each with its evidence.

The store is read one indicator at a time in one query (as published at `as_of`); findings are computed
on demand and nothing is stored. docs/analysis.md describes the methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, or_, select

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.anomalies_model import (
    Anomaly,
    AnomalyQuery,
    AnomalyReport,
    Kind,
    Method,
)
from citybase.analysis.anomalies_relations import (
    SubRegionRule,
    Values,
    balances,
    check_balance,
    check_sub_regions,
    sub_region_rules,
)
from citybase.analysis.anomalies_series import Basis, Break, Point, series_breaks
from citybase.audit.rules import active_rules
from citybase.errors import NotFound
from citybase.facts.model import Role
from citybase.facts.query import period_of
from citybase.facts.tables import facts
from citybase.indicators.catalog import IndicatorCatalog, indicator_catalog
from citybase.indicators.model import Indicator, ValueKind
from citybase.messages import N_, message
from citybase.regions.codes import normalise_code
from citybase.regions.index import RegionIndex, region_index

# Units in which a change is read as a difference (percentage points), never as a ratio.
_POINT_UNITS = frozenset({"%", "‰", "个百分点", "个千分点"})


@dataclass(frozen=True)
class Shape:
    """A series' shape: one of the frequencies, or a fixed range of months each year (year to date)."""

    label: str
    per_year: int  # the lag, in positions, to the same period a year earlier


@lru_cache(maxsize=65536)
def _shape(text: str) -> tuple[Shape, int]:
    """The shape of a stored period and its position in a series of that shape."""
    period = period_of(text)
    natural = period.natural_frequency()
    if natural is None:
        return Shape(f"{period.start_month:02d}-{period.end_month:02d}", 1), period.year
    per_year = 12 // natural.months
    return Shape(natural.value, per_year), period.first_month_index // natural.months


def _read(
    conn: Connection, indicator: Indicator, as_of: dt.datetime | None
) -> list[tuple[str, str, str, float]]:
    """Every authoritative value of one indicator as published at `as_of` (now when None), in one query."""
    condition = [facts.c.indicator_id == indicator.id, facts.c.role == Role.AUTHORITATIVE.value]
    if as_of is None:
        condition.append(facts.c.superseded_at.is_(None))
    else:
        condition += [
            facts.c.recorded_at <= as_of,
            or_(facts.c.superseded_at.is_(None), facts.c.superseded_at > as_of),
        ]
    rows = conn.execute(
        select(facts.c.region_code, facts.c.period, facts.c.dims, facts.c.value).where(*condition)
    )
    return [(region, period, dims, value) for region, period, dims, value in rows if value is not None]


def _basis(indicator: Indicator) -> Basis:
    if indicator.value_kind is ValueKind.GROWTH_RATE or indicator.unit in _POINT_UNITS:
        return Basis.DIFFERENCE
    return Basis.RATIO


def _in_category(indicator: Indicator, category: str, catalog: IndicatorCatalog) -> bool:
    """Whether the indicator is filed under `category` or one of its sub-categories."""
    current, seen = indicator.category, set()
    while current and current not in seen:
        if current == category:
            return True
        seen.add(current)
        parent = catalog.categories.get(current)
        current = parent.parent if parent else None
    return False


def _chosen(catalog: IndicatorCatalog, query: AnomalyQuery) -> list[Indicator]:
    """The stored (not derived) indicators the query asks about, every one by default."""
    chosen: list[Indicator] = []
    for code in query.indicators:
        resolved = catalog.resolve(code.strip().upper())
        if resolved is None:
            raise NotFound(message(N_("Unknown indicator {code}"), code=code))
        chosen.append(resolved[0])
    if not chosen:
        chosen = list(catalog.by_code.values())
    if query.category:
        if query.category not in catalog.categories:
            raise NotFound(message(N_("Unknown indicator category {code}"), code=query.category))
        chosen = [item for item in chosen if _in_category(item, query.category, catalog)]
    unique = {item.code: item for item in chosen if not item.is_derived}
    return sorted(unique.values(), key=lambda item: item.code)


def find_anomalies(conn: Connection, actor: Actor, query: AnomalyQuery) -> AnomalyReport:
    """Every series break and broken relation the query covers, most severe first, one page of them."""
    require(actor, Permission.VIEW_FACTS)
    query = query.checked()
    catalog = indicator_catalog(conn)
    regions = region_index(conn)
    region = normalise_code(query.region) if query.region else None
    if region is not None and region not in regions.versions:
        raise NotFound(message(N_("Unknown region code {code}"), code=query.region))
    chosen = _chosen(catalog, query)
    wanted = {item.code for item in chosen}
    rules = active_rules(conn) if query.kind != Kind.SERIES else []
    identities = [item for item in balances(rules, catalog) if item.codes & wanted]
    tolerances = sub_region_rules(rules)
    in_rules = {code for identity in identities for code in identity.codes}
    report = AnomalyReport(items=[], total=0, query=query, rules=[item.rule for item in identities])
    found: list[Anomaly] = []
    kept: dict[str, Values] = {}
    for code in sorted(wanted | in_rules):
        indicator = catalog.by_code[code]
        rows = _read(conn, indicator, query.as_of)
        report.values_read += len(rows)
        values = {(row[0], row[1], row[2]): row[3] for row in rows} if code in in_rules else None
        if values is not None:
            kept[code] = values
        if code not in wanted:
            continue
        if query.kind != Kind.RELATION:
            found += _series_findings(indicator, rows, regions, region, query.threshold, report)
        if query.kind != Kind.SERIES and indicator.sums_over_regions:
            rule = tolerances.get(code)
            found += _sub_region_findings(
                conn, actor, indicator, rows, values, rule, regions, region, query, report
            )
        # Release the rows before reading the next indicator: only rule inputs are kept.
        del rows
    for identity in identities:
        compared, broken = check_balance(identity, kept, catalog, regions, region)
        report.relations_checked += compared
        found += broken
    found.sort(key=lambda item: (-item.severity, item.indicator, item.region, item.period, item.dims))
    report.total = len(found)
    report.by_kind = {kind.value: sum(1 for item in found if item.kind is kind) for kind in Kind}
    report.items = found[query.offset : query.offset + query.limit]
    return report


def _sub_region_findings(
    conn: Connection,
    actor: Actor,
    indicator: Indicator,
    rows: Sequence[tuple[str, str, str, float]],
    values: Values | None,
    rule: SubRegionRule | None,
    regions: RegionIndex,
    region: str | None,
    query: AnomalyQuery,
    report: AnomalyReport,
) -> list[Anomaly]:
    """Each region with sub-regions and a value of its own against the sum of its sub-regions."""
    parents = sorted({row[0] for row in rows if regions.children.get(row[0])})
    parents = [code for code in parents if region is None or code == region]
    if not parents:
        return []
    compared, incomplete, broken = check_sub_regions(
        conn,
        actor,
        indicator,
        parents,
        values if values is not None else {(row[0], row[1], row[2]): row[3] for row in rows},
        regions,
        as_of=query.as_of,
        rule=rule,
        tolerance=query.tolerance,
    )
    report.relations_checked += compared
    report.relations_incomplete += incomplete
    return broken


def _series(
    rows: Sequence[tuple[str, str, str, float]], region: str | None
) -> Iterator[tuple[tuple[str, str, Shape], list[Point]]]:
    grouped: dict[tuple[str, str, Shape], list[Point]] = {}
    for code, period, dims, value in rows:
        if region is not None and code != region:
            continue
        shape, position = _shape(period)
        grouped.setdefault((code, dims, shape), []).append(Point(position, period, value))
    yield from grouped.items()


def _series_findings(
    indicator: Indicator,
    rows: Sequence[tuple[str, str, str, float]],
    regions: RegionIndex,
    region: str | None,
    threshold: float,
    report: AnomalyReport,
) -> list[Anomaly]:
    basis = _basis(indicator)
    found: list[Anomaly] = []
    for (code, dims, shape), points in _series(rows, region):
        breaks = series_breaks(points, shape.per_year, basis, threshold)
        if breaks is None:
            report.series_short += 1
            continue
        report.series_checked += 1
        latest = regions.latest(code)
        for item in breaks:
            found.append(
                _series_anomaly(indicator, code, latest.name if latest else "", dims, shape, item, threshold)
            )
    return found


def _series_anomaly(
    indicator: Indicator, region: str, name: str, dims: str, shape: Shape, item: Break, threshold: float
) -> Anomaly:
    seasonal = shape.per_year > 1
    growth_unit = "%" if item.basis is Basis.RATIO else indicator.unit
    evidence: dict[str, object] = {
        "basis": item.basis.value,
        "base_period": item.base.period,
        "base_value": item.base.value,
        "growth": item.growth,
        "median_growth": item.median_growth,
        "growth_unit": growth_unit,
        # The score is (growth − median) / robust_sd on these numbers: log ratios for the ratio basis.
        "score_inputs": {
            "growth": item.raw_growth,
            "median": item.scale.median,
            "mad": item.scale.mad,
            "robust_sd": item.scale.scale,
        },
        "growths": item.growths,
        "threshold": threshold,
    }
    if item.reverted is not None:
        point, score = item.reverted
        evidence["returns_at"] = {"period": point.period, "value": point.value, "score": score}
    return Anomaly(
        kind=Kind.SERIES,
        method=Method.YOY_GROWTH if seasonal else Method.GROWTH,
        indicator=indicator.code,
        indicator_name=indicator.name,
        region=region,
        region_name=name,
        period=item.point.period,
        dims=dims,
        frequency=shape.label,
        unit=indicator.unit,
        value=item.point.value,
        expected=item.expected,
        low=item.low,
        high=item.high,
        score=item.score,
        gap=None,
        allowed=None,
        severity=abs(item.score) / threshold,
        evidence=evidence,
    )
