"""Indicator targets (目标): the level or the growth rate an indicator should reach in a period, set by
those who manage the indicator system, and the progress of the actual values towards them.

A level target of a flow is compared with the year-to-date value against the share of the period that
has passed (时间进度); a growth target with the published comparable rate where one is linked, else with
the nominal growth computed from levels, and the comparison says which it used.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.growth import Basis, level_growth, linked_rate
from citybase.analysis.observations import (
    LATEST,
    Observation,
    Options,
    Subject,
    changes_as_difference,
    checked_period,
    point_unit,
    read_series,
    region_code,
    rounded,
    subject,
)
from citybase.analysis.target_tables import indicator_targets
from citybase.errors import InvalidInput, NotFound
from citybase.indicators.model import ValueKind
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.storage.metadata import utcnow
from citybase.transform.periods import Period, parse_period

MAX_NOTE = 500


class TargetKind(StrEnum):
    LEVEL = "level"  # the value to reach (in the indicator's unit)
    GROWTH = "growth"  # the year-on-year growth rate to reach (in %, or points for a percentage)


@dataclass(frozen=True)
class Target:
    id: int
    indicator: str
    region: str
    period: str
    kind: str
    value: float
    unit: str
    note: str
    set_by: str
    set_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "set_at": self.set_at.isoformat()}


@dataclass(frozen=True)
class Progress:
    """How far the actual value has come towards a target, and what it was compared with."""

    target: Target
    actual: float | None
    actual_period: str | None
    actual_unit: str
    compared_with: str | None  # the indicator whose value was compared (GDP_GROWTH for a GDP growth target)
    price_basis: str | None  # of the compared growth: comparable or nominal
    percent: float | None  # level targets: actual / target × 100
    time_share: float | None  # level targets: the share of the target's period the actual covers (%)
    gap: float | None  # actual − target (level: in the unit; growth: in points)
    on_track: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "target": self.target.as_dict()}


def kind_of(text: str) -> TargetKind:
    try:
        return TargetKind(text.strip().lower())
    except ValueError as exc:
        raise InvalidInput(
            message(N_("'{value}' is not one of {allowed}"), value=text, allowed="level, growth")
        ) from exc


def _target_unit(target: Subject, kind: TargetKind) -> str:
    if kind is TargetKind.LEVEL:
        return target.unit
    if target.indicator.value_kind is ValueKind.GROWTH_RATE:
        raise InvalidInput(
            message(
                N_("{code} is itself a growth rate: set a level target for the rate it should reach"),
                code=target.code,
            )
        )
    return point_unit(target.unit) if changes_as_difference(target.indicator) else "%"


def set_target(
    conn: Connection,
    actor: Actor,
    indicator: str,
    region: str,
    period: str,
    kind: str,
    value: float,
    note: str = "",
) -> Target:
    """Set (or replace) the target of one indicator, region, period and kind; a ledger entry records it."""
    require(actor, Permission.MANAGE_INDICATORS)
    target = subject(conn, indicator)
    code = region_code(conn, region)
    when = checked_period(period, target)
    how = kind_of(kind)
    unit = _target_unit(target, how)
    if not math.isfinite(value):
        raise InvalidInput(message(N_("The target value must be a finite number, not {value}"), value=value))
    if len(note) > MAX_NOTE:
        raise InvalidInput(message(N_("The note must be at most {max} characters"), max=MAX_NOTE))
    key = (target.code, code, str(when), how.value)
    now = utcnow()
    existing = conn.execute(select(indicator_targets).where(_matches(*key))).mappings().first()
    values = {"value": value, "unit": unit, "note": note.strip(), "set_by": actor.username, "set_at": now}
    if existing is None:
        conn.execute(
            insert(indicator_targets).values(
                indicator=key[0], region=key[1], period=key[2], kind=key[3], **values
            )
        )
    else:
        conn.execute(update(indicator_targets).where(indicator_targets.c.id == existing["id"]).values(values))
    record(
        conn,
        actor,
        "target.set",
        "indicator_target",
        "/".join(key),
        {
            "value": value,
            "unit": unit,
            "note": note.strip(),
            "previous": existing["value"] if existing else None,
        },
    )
    return _one(conn, key)


def remove_target(
    conn: Connection, actor: Actor, indicator: str, region: str, period: str, kind: str
) -> Target:
    """Remove one target; NotFound names it when there is none."""
    require(actor, Permission.MANAGE_INDICATORS)
    target = subject(conn, indicator)
    key = (target.code, region_code(conn, region), str(checked_period(period, target)), kind_of(kind).value)
    found = _one(conn, key)
    conn.execute(delete(indicator_targets).where(indicator_targets.c.id == found.id))
    record(conn, actor, "target.remove", "indicator_target", "/".join(key), {"value": found.value})
    return found


def list_targets(
    conn: Connection,
    actor: Actor,
    *,
    indicator: str | None = None,
    region: str | None = None,
    period: str | None = None,
) -> list[Target]:
    """Targets, optionally of one indicator, region or period, by indicator, region, period and kind."""
    require(actor, Permission.VIEW_FACTS)
    query = select(indicator_targets).order_by(
        indicator_targets.c.indicator,
        indicator_targets.c.region,
        indicator_targets.c.period,
        indicator_targets.c.kind,
    )
    if indicator:
        query = query.where(indicator_targets.c.indicator == subject(conn, indicator).code)
    if region:
        query = query.where(indicator_targets.c.region == region_code(conn, region))
    if period:
        query = query.where(indicator_targets.c.period == str(parse_period(period)))
    return [_target(row) for row in conn.execute(query).mappings()]


def _matches(indicator: str, region: str, period: str, kind: str) -> Any:
    return and_(
        indicator_targets.c.indicator == indicator,
        indicator_targets.c.region == region,
        indicator_targets.c.period == period,
        indicator_targets.c.kind == kind,
    )


def _one(conn: Connection, key: tuple[str, str, str, str]) -> Target:
    row = conn.execute(select(indicator_targets).where(_matches(*key))).mappings().first()
    if row is None:
        raise NotFound(
            message(
                N_("There is no {kind} target of {indicator} for region {region} in {period}"),
                indicator=key[0],
                region=key[1],
                period=key[2],
                kind=key[3],
            )
        )
    return _target(row)


def _target(row: Any) -> Target:
    return Target(
        id=row["id"],
        indicator=row["indicator"],
        region=row["region"],
        period=row["period"],
        kind=row["kind"],
        value=row["value"],
        unit=row["unit"],
        note=row["note"],
        set_by=row["set_by"],
        set_at=row["set_at"],
    )


def progress(
    conn: Connection,
    actor: Actor,
    target: Target,
    series: list[Observation] | None = None,
    options: Options = LATEST,
) -> Progress:
    """The progress towards `target` of the latest value within its period (the whole period, or the
    longest year-to-date part of it); `series` is the indicator's series for the region when already read."""
    require(actor, Permission.VIEW_FACTS)
    level = subject(conn, target.indicator, options)
    within = parse_period(target.period)
    values = series if series is not None else read_series(conn, actor, level, target.region, options)
    actual = _latest_within(values, within)
    if target.kind == TargetKind.LEVEL.value:
        return _level_progress(target, actual, within, level)
    return _growth_progress(conn, actor, target, actual, level, options)


def _latest_within(values: list[Observation], within: Period) -> Observation | None:
    """The value for the period, or else for the longest part of it that starts with it (year to date)."""
    found = [
        item
        for item in values
        if (period := parse_period(item.period)).first_month_index == within.first_month_index
        and period.last_month_index <= within.last_month_index
    ]
    return max(found, key=lambda item: parse_period(item.period).last_month_index, default=None)


def _level_progress(target: Target, actual: Observation | None, within: Period, level: Subject) -> Progress:
    if actual is None:
        return _nothing(target, level.unit)
    share = parse_period(actual.period).length / within.length * 100
    kind = level.indicator.value_kind
    # A share of a target only means something for an amount; a rate or a ratio is judged by its gap.
    amount = kind in (ValueKind.FLOW, ValueKind.STOCK)
    percent = rounded(actual.value / target.value * 100, 2) if target.value and amount else None
    # A flow builds up over the year: 75% of the target after nine months is on schedule; a stock is
    # not spread over time, so it is judged against the whole target.
    expected = share if kind is ValueKind.FLOW else 100.0
    on_track = percent >= expected - 1e-9 if percent is not None else actual.value >= target.value
    return Progress(
        target=target,
        actual=actual.value,
        actual_period=actual.period,
        actual_unit=actual.unit,
        compared_with=level.code,
        price_basis=None,
        percent=percent,
        time_share=rounded(share, 2),
        gap=rounded(actual.value - target.value),
        on_track=on_track,
    )


def _growth_progress(
    conn: Connection,
    actor: Actor,
    target: Target,
    actual: Observation | None,
    level: Subject,
    options: Options,
) -> Progress:
    if actual is None:
        return _nothing(target, target.unit)
    period = parse_period(actual.period)
    rate: float | None = None
    compared, basis = level.code, None
    published = linked_rate(conn, actor, level, target.region, period, options)
    if published is not None:
        rate, compared, basis = published.value, published.indicator, published.price_basis
    else:
        try:
            found = level_growth(
                conn, actor, level, target.region, period, Basis.YOY, options, with_published=False
            )
        except (NotFound, InvalidInput):
            return _nothing(target, target.unit)
        rate, basis = found.value, found.price_basis
    gap = rounded(rate - target.value)
    return Progress(
        target=target,
        actual=rate,
        actual_period=actual.period,
        actual_unit=target.unit,
        compared_with=compared,
        price_basis=basis,
        percent=None,
        time_share=None,
        gap=gap,
        on_track=gap is not None and gap >= 0,
    )


def _nothing(target: Target, unit: str) -> Progress:
    return Progress(target, None, None, unit, None, None, None, None, None, None)
