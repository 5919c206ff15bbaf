"""Indices with a base period (base = 100): a level divided by its base value, or — for a published
growth rate — the rates chained year by year, which gives a comparable-price (volume) index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.observations import (
    BASE,
    LATEST,
    Observation,
    Options,
    changes_as_difference,
    checked_period,
    computed_price_basis,
    no_value,
    read_series,
    region_code,
    rounded,
    subject,
)
from citybase.errors import InvalidInput, NotFound
from citybase.facts.query import period_of
from citybase.indicators.model import ValueKind
from citybase.messages import N_, message
from citybase.transform.periods import Period


@dataclass(frozen=True)
class IndexPoint:
    period: str
    index: float
    input: Observation | None  # the level, or the rate chained in at this period

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "index": self.index,
            "input": self.input.as_dict() if self.input else None,
        }


@dataclass(frozen=True)
class IndexSeries:
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    base: str
    method: str  # ratio_to_base or chained_rates
    price_basis: str | None
    base_value: Observation | None
    points: list[IndexPoint] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in self.__dict__.items() if k not in ("points", "base_value")}
        return {
            **found,
            "base_value": self.base_value.as_dict() if self.base_value else None,
            "points": [point.as_dict() for point in self.points],
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "indicator": self.indicator,
                "region": self.region,
                "period": point.period,
                "index": point.index,
                "base": self.base,
                "method": self.method,
                "price_basis": self.price_basis,
                "input_value": point.input.value if point.input else None,
                "input_unit": point.input.unit if point.input else None,
            }
            for point in self.points
        ]


def _same_shape(period: Period, base: Period) -> bool:
    return (period.start_month, period.end_month) == (base.start_month, base.end_month)


def index_series(
    conn: Connection,
    actor: Actor,
    indicator: str,
    region: str,
    base: str,
    start: str | None = None,
    end: str | None = None,
    options: Options = LATEST,
) -> IndexSeries:
    """The series as an index on `base` = 100, over the periods of the same months as the base."""
    require(actor, Permission.VIEW_FACTS)
    target = subject(conn, indicator, options)
    code = region_code(conn, region)
    base_period = checked_period(base, target)
    first = checked_period(start, target) if start else None
    last = checked_period(end, target) if end else None
    every = {
        period_of(item.period).year: item
        for item in read_series(conn, actor, target, code, options)
        if _same_shape(period_of(item.period), base_period)
    }
    by_year = {
        year: item
        for year, item in every.items()
        if (first is None or year >= first.year) and (last is None or year <= last.year)
    }
    if target.indicator.value_kind is ValueKind.GROWTH_RATE:
        return _chained(
            target.code, target.indicator.name, code, base_period, by_year, target.indicator.price_basis
        )
    if changes_as_difference(target.indicator):
        raise InvalidInput(
            message(
                N_("{code} is a percentage; compare it by differences in points, not as an index"),
                code=target.code,
            )
        )
    base_value = every.get(base_period.year)
    if base_value is None:
        raise NotFound(no_value(target.code, code, base_period, BASE))
    if base_value.value == 0:
        raise InvalidInput(
            message(
                N_("The base value of {code} in {period} is 0"), code=target.code, period=str(base_period)
            )
        )
    points = [
        IndexPoint(item.period, rounded(item.value / base_value.value * 100) or 0.0, item)
        for _year, item in sorted(by_year.items())
    ]
    return IndexSeries(
        indicator=target.code,
        indicator_name=target.indicator.name,
        region=code,
        region_name=base_value.region_name,
        base=str(base_period),
        method="ratio_to_base",
        price_basis=computed_price_basis(target.indicator),
        base_value=base_value,
        points=points,
    )


def _chained(
    code: str,
    name: str,
    region: str,
    base: Period,
    rates: dict[int, Observation],
    price_basis: Any,
) -> IndexSeries:
    """Chain year-on-year rates from the base outwards until a year is missing:
    I(t) = I(t−1) × (1 + g(t)/100)."""
    points = [IndexPoint(str(base), 100.0, None)]
    level, year = 100.0, base.year
    while year + 1 in rates:
        year += 1
        level *= 1 + rates[year].value / 100
        points.append(IndexPoint(str(base.shift_years(year - base.year)), rounded(level) or 0.0, rates[year]))
    level, year = 100.0, base.year
    while year in rates and year - 1 >= 1000:
        level /= 1 + rates[year].value / 100
        year -= 1
        points.insert(
            0, IndexPoint(str(base.shift_years(year - base.year)), rounded(level) or 0.0, rates[year + 1])
        )
    if len(points) == 1:
        raise NotFound(
            message(
                N_("No published rate of {code} for region {region} next to {period} to chain from"),
                code=code,
                region=region,
                period=str(base),
            )
        )
    region_name = next(iter(rates.values())).region_name
    return IndexSeries(
        indicator=code,
        indicator_name=name,
        region=region,
        region_name=region_name,
        base=str(base),
        method="chained_rates",
        price_basis=price_basis.value if price_basis else None,
        base_value=None,
        points=points,
    )
