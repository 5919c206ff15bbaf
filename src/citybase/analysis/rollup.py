"""Aggregation up the region hierarchy and over time (months → quarters → years) by each indicator's own
rule — a sum, the last value, or a mean weighted by another indicator — with the coverage shown: how many
sub-regions or sub-periods reported, of how many expected. Rates and ratios without a rule are refused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.observations import (
    CURRENT,
    LATEST,
    Observation,
    Options,
    Subject,
    checked_period,
    no_value,
    read,
    region_code,
    rounded,
    subject,
)
from citybase.errors import InvalidInput, NotFound
from citybase.indicators.model import RegionAggregation, TimeAggregation
from citybase.messages import N_, message
from citybase.regions.index import region_index
from citybase.transform.periods import Frequency, Period


class Over(StrEnum):
    REGIONS = "regions"
    TIME = "time"


@dataclass(frozen=True)
class RollupPart:
    key: str  # a region code or a period
    name: str
    value: float | None
    weight: float | None
    input: Observation | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.__dict__.items() if k != "input"},
            "input": self.input.as_dict() if self.input else None,
        }


@dataclass(frozen=True)
class Rollup:
    indicator: str
    indicator_name: str
    over: str
    region: str
    region_name: str
    period: str
    rule: str
    weight_indicator: str | None
    value: float | None
    unit: str
    reported: int
    expected: int
    coverage: str
    complete: bool
    missing: list[str]
    stored: Observation | None  # the value stored for the target itself, to compare
    difference: float | None  # stored minus aggregated
    parts: list[RollupPart] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in self.__dict__.items() if k not in ("parts", "stored")}
        return {
            **found,
            "stored": self.stored.as_dict() if self.stored else None,
            "parts": [part.as_dict() for part in self.parts],
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "indicator": self.indicator,
                "region": self.region,
                "period": self.period,
                "over": self.over,
                "part": part.key,
                "part_name": part.name,
                "value": part.value,
                "weight": part.weight,
                "unit": self.unit,
                "rule": self.rule,
                "aggregate": self.value,
                "coverage": self.coverage,
            }
            for part in self.parts
        ]


def rollup(
    conn: Connection,
    actor: Actor,
    indicator: str,
    region: str,
    period: str,
    over: str = Over.REGIONS.value,
    frequency: str | None = None,
    options: Options = LATEST,
) -> Rollup:
    """The value of `region` in `period` aggregated from its sub-regions, or from the months or quarters of
    the period (`frequency`, the indicator's own by default)."""
    require(actor, Permission.VIEW_FACTS)
    target = subject(conn, indicator, options)
    code = region_code(conn, region)
    when = checked_period(period, target)
    try:
        how = Over(over)
    except ValueError as exc:
        raise InvalidInput(
            message(N_("'{value}' is not one of {allowed}"), value=over, allowed="regions, time")
        ) from exc
    if how is Over.REGIONS:
        return _over_regions(conn, actor, target, code, when, options)
    return _over_time(conn, actor, target, code, when, frequency, options)


def _weights(
    conn: Connection,
    actor: Actor,
    target: Subject,
    regions: Sequence[str],
    periods: Sequence[Period],
    options: Options,
) -> dict[tuple[str, str], Observation]:
    weight = subject(
        conn, target.indicator.weight_indicator or "", Options(options.as_of, options.status, "")
    )
    return read(conn, actor, weight, regions, periods, options)


def _stored(found: dict[tuple[str, str], Observation], region: str, period: Period) -> Observation | None:
    item = found.get((region, str(period)))
    return item if item is not None and item.computed is None else None


def _over_regions(
    conn: Connection, actor: Actor, target: Subject, code: str, when: Period, options: Options
) -> Rollup:
    rule = target.indicator.region_aggregation
    if rule is RegionAggregation.NONE:
        raise InvalidInput(
            message(
                N_("{code} is a {kind} and is not added up over regions (its region aggregation is none)"),
                code=target.code,
                kind=target.indicator.value_kind.value,
            )
        )
    index = region_index(conn)
    # As the store's own sums do: the sub-regions of that year, and any other former one with a value.
    every = {kid.code: kid for kid in index.children.get(code, [])}
    if not every:
        raise NotFound(message(N_("Region {code} has no sub-regions to add up"), code=code))
    in_use = {kid.code for kid in index.children_of(code, when.year)}
    found = read(conn, actor, target, [code, *every], [when], options)
    weights = (
        _weights(conn, actor, target, list(every), [when], options)
        if rule is RegionAggregation.WEIGHTED_MEAN
        else {}
    )
    parts = []
    for kid_code, kid in sorted(every.items()):
        item = found.get((kid_code, str(when)))
        if kid_code not in in_use and item is None:
            continue
        weight = weights.get((kid_code, str(when)))
        parts.append(
            RollupPart(
                kid_code, kid.name, item.value if item else None, weight.value if weight else None, item
            )
        )
    counted = [
        part
        for part in parts
        if part.value is not None and (rule is RegionAggregation.SUM or part.weight is not None)
    ]
    value = _aggregate(rule.value, counted)
    stored = _stored(found, code, when)
    return _result(
        target, Over.REGIONS, code, when, rule.value, value, parts, counted, stored, index.latest(code)
    )


def _over_time(
    conn: Connection,
    actor: Actor,
    target: Subject,
    code: str,
    when: Period,
    frequency: str | None,
    options: Options,
) -> Rollup:
    rule = target.indicator.time_aggregation
    if rule is TimeAggregation.NONE:
        raise InvalidInput(
            message(
                N_("{code} is a {kind} and is not added up over time (its time aggregation is none)"),
                code=target.code,
                kind=target.indicator.value_kind.value,
            )
        )
    try:
        step = Frequency(frequency) if frequency else target.indicator.frequency
    except ValueError as exc:
        allowed = ", ".join(item.value for item in Frequency)
        raise InvalidInput(
            message(N_("'{value}' is not one of {allowed}"), value=frequency, allowed=allowed)
        ) from exc
    if not when.fits(step) or step.months >= when.length:
        raise InvalidInput(
            message(
                N_("{period} does not split into more than one {frequency}"),
                period=str(when),
                frequency=step.value,
            )
        )
    # Period.units stops one month short for monthly steps (2023Q1 → 01, 02), so the months are listed here.
    units = [
        Period(when.year, start, start + step.months - 1)
        for start in range(when.start_month, when.end_month + 1, step.months)
    ]
    found = read(conn, actor, target, [code], [*units, when], options)
    weights = (
        _weights(conn, actor, target, [code], units, options) if rule is TimeAggregation.WEIGHTED_MEAN else {}
    )
    parts = []
    for unit in units:
        item = found.get((code, str(unit)))
        weight = weights.get((code, str(unit)))
        parts.append(
            RollupPart(
                str(unit),
                unit.label_zh(),
                item.value if item else None,
                weight.value if weight else None,
                item,
            )
        )
    value: float | None
    if rule is TimeAggregation.LAST:
        if parts[-1].value is None:
            raise NotFound(no_value(target.code, code, units[-1], CURRENT))
        counted = [part for part in parts if part.value is not None]
        value = parts[-1].value
    else:
        counted = [
            part
            for part in parts
            if part.value is not None and (rule is TimeAggregation.SUM or part.weight is not None)
        ]
        value = _aggregate(rule.value, counted)
    stored = _stored(found, code, when)
    return _result(
        target,
        Over.TIME,
        code,
        when,
        rule.value,
        value,
        parts,
        counted,
        stored,
        region_index(conn).latest(code),
    )


def _aggregate(rule: str, counted: list[RollupPart]) -> float | None:
    if not counted:
        return None
    if rule == "weighted_mean":
        total_weight = sum(part.weight or 0.0 for part in counted)
        if total_weight == 0:
            return None
        return sum((part.value or 0.0) * (part.weight or 0.0) for part in counted) / total_weight
    return sum(part.value or 0.0 for part in counted)


def _result(
    target: Subject,
    over: Over,
    code: str,
    when: Period,
    rule: str,
    value: float | None,
    parts: list[RollupPart],
    counted: list[RollupPart],
    stored: Observation | None,
    region: Any,
) -> Rollup:
    if value is None:
        raise NotFound(
            message(
                N_(
                    "No value of {indicator} to aggregate for region {region} in {period}: "
                    "none of its {parts} has one"
                ),
                indicator=target.code,
                region=code,
                period=str(when),
                parts=message(N_("sub-regions") if over is Over.REGIONS else N_("sub-periods")),
            )
        )
    counted_keys = {part.key for part in counted}
    return Rollup(
        indicator=target.code,
        indicator_name=target.indicator.name,
        over=over.value,
        region=code,
        region_name=region.name if region else code,
        period=str(when),
        rule=rule,
        weight_indicator=target.indicator.weight_indicator if rule == "weighted_mean" else None,
        value=rounded(value),
        unit=target.unit,
        reported=len(counted),
        expected=len(parts),
        coverage=f"{len(counted)}/{len(parts)}",
        complete=len(counted) == len(parts),
        missing=[part.key for part in parts if part.key not in counted_keys],
        stored=stored,
        difference=rounded(stored.value - value) if stored is not None else None,
        parts=parts,
    )
