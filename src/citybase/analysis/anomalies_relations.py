"""Relations that do not hold: a total against its parts (from the active balance rules) and a region's
reported value against the sum of its sub-regions (from the facts query layer, with its coverage)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.analysis.anomalies_model import Anomaly, Kind, Method, RuleUsed
from citybase.audit.evaluate import EPSILON, Rule
from citybase.audit.language import Arith, Call, Compare, Neg, Node, Ref, Tolerance, format_rule
from citybase.audit.rules import RuleRecord
from citybase.facts.query import MAX_LIMIT, SeriesQuery, period_of, query_facts
from citybase.indicators.catalog import IndicatorCatalog
from citybase.indicators.model import Indicator
from citybase.regions.index import RegionIndex

ValueKey = tuple[str, str, str]  # (region, period, dims)
Values = Mapping[ValueKey, float]
# A finding's severity is the gap over what the relation allows; an exact rule allows only float noise,
# so its ratio is capped to stay readable.
MAX_SEVERITY = 1000.0


@dataclass(frozen=True)
class Balance:
    """A balance identity read from a rule: Σ left terms = Σ right terms, within a tolerance."""

    rule: RuleUsed
    left: tuple[tuple[int, str], ...]  # (sign, indicator code)
    right: tuple[tuple[int, str], ...]
    tolerance: Tolerance | None

    @property
    def codes(self) -> set[str]:
        return {code for _sign, code in self.left + self.right}


@dataclass(frozen=True)
class SubRegionRule:
    rule: str
    tolerance: Tolerance


def _terms(node: Node, sign: int = 1) -> list[tuple[int, str]] | None:
    """A side of a rule as signed indicator codes, or None unless it only adds and subtracts indicators."""
    if isinstance(node, Ref):
        return [(sign, node.code)]
    if isinstance(node, Neg):
        return _terms(node.operand, -sign)
    if isinstance(node, Arith) and node.op in "+-":
        left = _terms(node.left, sign)
        right = _terms(node.right, sign if node.op == "+" else -sign)
        return None if left is None or right is None else left + right
    return None


def balances(rules: Iterable[tuple[RuleRecord, Rule]], catalog: IndicatorCatalog) -> list[Balance]:
    """Every active rule of the form `TOTAL = PART + PART … ± T` over stored (not derived) indicators."""
    found: list[Balance] = []
    for record, rule in rules:
        node = rule.ast
        if not isinstance(node, Compare) or node.op != "=":
            continue
        left, right = _terms(node.left), _terms(node.right)
        if not left or not right or len(left) + len(right) < 3:
            continue
        indicators = [catalog.by_code.get(code) for _sign, code in left + right]
        if any(item is None or item.is_derived for item in indicators):
            continue  # an alias (another unit or breakdown) or a formula: not a stored total and parts
        found.append(
            Balance(RuleUsed(record.code, format_rule(node)), tuple(left), tuple(right), node.tolerance)
        )
    return found


def sub_region_rules(rules: Iterable[tuple[RuleRecord, Rule]]) -> dict[str, SubRegionRule]:
    """The tolerance of each `sum_children(X) = X ± T` rule, by indicator."""
    found: dict[str, SubRegionRule] = {}
    for record, rule in rules:
        node = rule.ast
        if not isinstance(node, Compare) or node.op != "=" or node.tolerance is None:
            continue
        for summed, reported in ((node.left, node.right), (node.right, node.left)):
            if (
                isinstance(summed, Call)
                and summed.name == "sum_children"
                and isinstance(reported, Ref)
                and summed.args == (reported,)
            ):
                found.setdefault(reported.code, SubRegionRule(record.code, node.tolerance))
    return found


def _allowed(tolerance: Tolerance | None, left: float, right: float) -> float:
    if tolerance is None:
        return EPSILON * max(abs(left), abs(right), 1.0)  # float rounding only, as the audit has it
    return abs(right) * tolerance.amount / 100 if tolerance.relative else tolerance.amount


def _tolerance_text(tolerance: Tolerance | None) -> str:
    if tolerance is None:
        return ""
    return f"± {tolerance.amount:g}{'%' if tolerance.relative else ''}"


def _severity(gap: float, allowed: float) -> float:
    return MAX_SEVERITY if allowed <= 0 else min(abs(gap) / allowed, MAX_SEVERITY)


def _percent(gap: float, base: float) -> float | None:
    return None if base == 0 else gap / base * 100


def check_balance(
    balance: Balance,
    values: Mapping[str, Values],
    catalog: IndicatorCatalog,
    regions: RegionIndex,
    region: str | None,
) -> tuple[int, list[Anomaly]]:
    """Where every indicator of the identity has a value: how many keys were compared, and those where
    the two sides differ by more than the tolerance."""
    keys = set.intersection(*(set(values.get(code, {})) for code in balance.codes))
    if region is not None:
        keys = {key for key in keys if key[0] == region}
    anchor = catalog.by_code[balance.left[0][1]]
    found: list[Anomaly] = []
    for key in keys:
        left = sum(sign * values[code][key] for sign, code in balance.left)
        right = sum(sign * values[code][key] for sign, code in balance.right)
        gap, allowed = left - right, _allowed(balance.tolerance, left, right)
        if abs(gap) <= allowed:
            continue
        side = [
            {"indicator": code, "sign": sign, "value": values[code][key]}
            for sign, code in balance.left + balance.right
        ]
        found.append(
            _relation(
                anchor,
                regions,
                key,
                Method.BALANCE,
                value=left,
                expected=right,
                allowed=allowed,
                evidence={
                    "rule": balance.rule.code,
                    "expression": balance.rule.expression,
                    "left": side[: len(balance.left)],
                    "right": side[len(balance.left) :],
                    "left_total": left,
                    "right_total": right,
                    "gap_percent": _percent(gap, right),
                    "tolerance": _tolerance_text(balance.tolerance),
                },
            )
        )
    return len(keys), found


def _relation(
    indicator: Indicator,
    regions: RegionIndex,
    key: ValueKey,
    method: Method,
    *,
    value: float,
    expected: float,
    allowed: float,
    evidence: dict[str, object],
) -> Anomaly:
    region, period, dims = key
    latest = regions.latest(region)
    natural = period_of(period).natural_frequency()
    places = indicator.decimals + 4  # past the published digits, short of float noise
    gap = round(value - expected, places)
    return Anomaly(
        kind=Kind.RELATION,
        method=method,
        indicator=indicator.code,
        indicator_name=indicator.name,
        region=region,
        region_name=latest.name if latest else "",
        period=period,
        dims=dims,
        frequency=natural.value if natural else "range",
        unit=indicator.unit,
        value=value,
        expected=expected,
        low=None,
        high=None,
        score=None,
        gap=gap,
        allowed=allowed,
        severity=_severity(gap, allowed),
        evidence={**evidence, "gap": gap, "allowed": allowed},
    )


def check_sub_regions(
    conn: Connection,
    actor: Actor,
    indicator: Indicator,
    parents: list[str],
    values: Values,
    regions: RegionIndex,
    *,
    as_of: dt.datetime | None,
    rule: SubRegionRule | None,
    tolerance: float,
) -> tuple[int, int, list[Anomaly]]:
    """Each parent's reported values against the sum of its sub-regions, as the facts query layer computes
    it: (compared, left out for incomplete coverage, findings). Only complete sums are compared."""
    chosen = rule.tolerance if rule else Tolerance(tolerance, relative=True)
    compared = incomplete = 0
    found: list[Anomaly] = []
    offset, total = 0, 1
    while offset < total:
        page = query_facts(
            conn,
            actor,
            SeriesQuery(
                indicators=[indicator.code],
                regions=parents,
                dims=None,
                as_of=as_of,
                limit=MAX_LIMIT,
                offset=offset,
            ),
        )
        total, offset = page.total, offset + MAX_LIMIT
        for item in page.items:
            if item.computed is not None or item.computed_value is None or item.value is None:
                continue
            reported_count, expected_count = (item.coverage or "0/1").split("/")
            if reported_count != expected_count:
                incomplete += 1
                continue
            compared += 1
            gap = item.value - item.computed_value
            allowed = _allowed(chosen, item.computed_value, item.value)
            if abs(gap) <= allowed:
                continue
            key = (item.region, item.period, item.dims)
            found.append(
                _relation(
                    indicator,
                    regions,
                    key,
                    Method.SUB_REGIONS,
                    value=item.value,
                    expected=item.computed_value,
                    allowed=allowed,
                    evidence={
                        "rule": rule.rule if rule else None,
                        "tolerance": _tolerance_text(chosen),
                        "reported": item.value,
                        "sum_of_sub_regions": item.computed_value,
                        "coverage": item.coverage,
                        "gap_percent": _percent(gap, item.value),
                        "sub_regions": _children(regions, key, values),
                    },
                )
            )
    return compared, incomplete, found


def _children(regions: RegionIndex, key: ValueKey, values: Values) -> list[dict[str, object]]:
    parent, period, dims = key
    codes = sorted({kid.code for kid in regions.children.get(parent, [])})
    shown: list[dict[str, object]] = []
    for code in codes:
        value = values.get((code, period, dims))
        if value is not None:
            latest = regions.latest(code)
            shown.append({"region": code, "region_name": latest.name if latest else "", "value": value})
    return shown
