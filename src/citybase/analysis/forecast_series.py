"""The series a forecast is fitted on: one indicator × region × breakdown from the central store, as of a
vintage, at the frequency its values have, made contiguous (short gaps filled and marked as filled).

An indicator's declared frequency is how often it may be reported, not what the store holds: Shenzhen's
GDP is a quarterly indicator whose stored values are mostly whole years. So the forecast takes the
frequency most of the values have, unless the caller names one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.errors import InvalidInput, NotFound
from citybase.facts.query import MAX_LIMIT, SeriesQuery, query_facts
from citybase.messages import N_, Message, message
from citybase.storage.metadata import utcnow
from citybase.transform.periods import Frequency, Period, parse_period

# A gap of at most this many periods is filled by interpolation; a longer one cuts the series there.
MAX_FILLED_GAP = 2


@dataclass(frozen=True)
class InputPoint:
    period: str
    value: float
    filled: bool = False  # interpolated across a gap, not a stored value
    computed: str | None = None  # how the store computed it: sum, formula, from_cumulative, ...

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.period, "value": self.value, "filled": self.filled, "computed": self.computed}


@dataclass(frozen=True)
class InputSeries:
    indicator: str
    region: str
    dims: str
    unit: str
    frequency: Frequency
    points: tuple[InputPoint, ...]
    as_of: dt.datetime
    as_of_given: bool
    notes: tuple[Message, ...] = ()

    @property
    def values(self) -> list[float]:
        return [point.value for point in self.points]

    @property
    def last_period(self) -> Period:
        return parse_period(self.points[-1].period)


def next_period(period: Period, frequency: Frequency) -> Period:
    """The period of `frequency` right after `period` (2017 → 2018, 2023Q4 → 2024Q1, 2024-12 → 2025-01)."""
    if period.end_month == 12:
        return Period(period.year + 1, 1, frequency.months)
    return Period(period.year, period.end_month + 1, period.end_month + frequency.months)


def future_periods(last: Period, frequency: Frequency, horizon: int) -> list[str]:
    found, current = [], last
    for _ in range(horizon):
        current = next_period(current, frequency)
        found.append(str(current))
    return found


def read_series(
    conn: Connection,
    actor: Actor,
    indicator: str,
    region: str,
    *,
    dims: str = "",
    as_of: dt.datetime | None = None,
    frequency: str | None = None,
) -> InputSeries:
    """The series to forecast, read as of `as_of` (now when not given) with the store's computed values."""
    require(actor, Permission.VIEW_FACTS)
    moment = as_of or utcnow()
    page = query_facts(
        conn,
        actor,
        SeriesQuery(indicators=[indicator], regions=[region], dims=dims, as_of=moment, limit=MAX_LIMIT),
    )
    items = [item for item in page.items if item.value is not None]
    by_frequency: dict[Frequency, list[Any]] = {}
    for item in items:
        natural = parse_period(item.period).natural_frequency()
        if natural is not None:
            by_frequency.setdefault(natural, []).append(item)
    if frequency is not None:
        try:
            wanted = Frequency(frequency)
        except ValueError as exc:
            raise InvalidInput(
                message(
                    N_("'{value}' is not one of {allowed}"),
                    value=frequency,
                    allowed=", ".join(item.value for item in Frequency),
                )
            ) from exc
    elif by_frequency:
        counts = Counter({key: len(found) for key, found in by_frequency.items()})
        # Most values wins; on a tie the coarser frequency, which Frequency lists first.
        wanted = max(Frequency, key=lambda key: (counts[key], -list(Frequency).index(key)))
    else:
        wanted = Frequency.YEAR
    chosen = sorted(by_frequency.get(wanted, []), key=lambda item: parse_period(item.period))
    if not chosen:
        raise NotFound(
            message(
                N_("There are no {frequency} values of {indicator} for region {region}"),
                frequency=wanted.value,
                indicator=indicator,
                region=region,
            )
        )
    points, notes = _contiguous(chosen, wanted)
    return InputSeries(
        indicator=chosen[0].indicator,
        region=chosen[0].region,
        dims=chosen[0].dims,
        unit=chosen[0].unit,
        frequency=wanted,
        points=tuple(points),
        as_of=moment,
        as_of_given=as_of is not None,
        notes=tuple(notes),
    )


def _contiguous(items: list[Any], frequency: Frequency) -> tuple[list[InputPoint], list[Message]]:
    """One value per period from the first to the last: short gaps interpolated, a long gap cuts the start."""
    points: list[InputPoint] = []
    notes: list[Message] = []
    previous: Period | None = None
    for item in items:
        period = parse_period(item.period)
        if previous is not None:
            missing: list[Period] = []
            step = next_period(previous, frequency)
            while step < period:
                missing.append(step)
                step = next_period(step, frequency)
            if len(missing) > MAX_FILLED_GAP:
                notes.append(
                    message(
                        N_("Values before {period} are left out: {count} periods before it have no value"),
                        period=str(period),
                        count=len(missing),
                    )
                )
                points = []
            elif missing:
                points.extend(_interpolated(points[-1].value, float(item.value), missing))
                notes.append(
                    message(
                        N_("No value for {periods}: interpolated between its neighbours"),
                        periods=", ".join(str(gap) for gap in missing),
                    )
                )
        points.append(InputPoint(str(period), float(item.value), computed=item.computed))
        previous = period
    return points, notes


def _interpolated(before: float, after: float, missing: list[Period]) -> list[InputPoint]:
    """Geometric steps between two positive neighbours (growth is what persists), linear otherwise."""
    steps = len(missing) + 1
    found = []
    for index, period in enumerate(missing, start=1):
        if before > 0 and after > 0:
            value = before * math.exp(math.log(after / before) * index / steps)
        else:
            value = before + (after - before) * index / steps
        found.append(InputPoint(str(period), value, filled=True))
    return found
