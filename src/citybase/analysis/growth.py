"""Growth: 同比 (year-on-year) and 环比 (period-on-period), of single and year-to-date periods, and
compound annual growth — in % for levels, as a difference in 个百分点 for rates, with the price basis said.

Growth computed from levels is at current prices (nominal); a published growth rate (a stored value, often
at comparable prices, 可比价) is shown as stored and linked to its level through `growth_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.observations import (
    BASE,
    CURRENT,
    FIRST,
    LAST,
    LATEST,
    Observation,
    Options,
    Subject,
    changes_as_difference,
    checked_period,
    computed_price_basis,
    point_unit,
    read,
    region_code,
    required,
    rounded,
    subject,
)
from citybase.errors import InvalidInput, NotFound
from citybase.indicators.catalog import indicator_catalog
from citybase.indicators.model import Indicator, PriceBasis, ValueKind
from citybase.messages import N_, message
from citybase.transform.periods import Period


class Basis(StrEnum):
    YOY = "yoy"  # 同比: the same period a year before
    POP = "pop"  # 环比: the period just before


def basis_of(text: str) -> Basis:
    try:
        return Basis(text)
    except ValueError as exc:
        raise InvalidInput(
            message(N_("'{value}' is not one of {allowed}"), value=text, allowed="yoy, pop")
        ) from exc


def base_period(period: Period, basis: Basis) -> Period:
    """The period growth is measured against (2017Q3YTD → 2016Q3YTD for yoy; 2017Q1 → 2016Q4 for pop)."""
    if basis is Basis.YOY:
        return period.shift_years(-1)
    if period.is_cumulative:
        raise InvalidInput(
            message(
                N_(
                    "{period} is a year-to-date figure: compare it with the same months of the year "
                    "before (yoy), not with the period before"
                ),
                period=str(period),
            )
        )
    return period.previous()


@dataclass(frozen=True)
class Published:
    """A stored growth rate beside a computed one, with its own price basis (usually comparable)."""

    indicator: str
    indicator_name: str
    period: str
    value: float
    unit: str
    price_basis: str | None
    source: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Growth:
    indicator: str
    indicator_name: str
    value_kind: str
    region: str
    region_name: str
    basis: str
    period: str
    base_period: str | None
    value: float
    unit: str
    method: str  # percent_change, difference or published
    price_basis: str | None
    formula: str
    current: Observation
    previous: Observation | None
    published: Published | None = None
    from_levels: Growth | None = None

    def as_dict(self) -> dict[str, Any]:
        found = {name: value for name, value in self.__dict__.items() if name not in ("current", "previous")}
        found["current"] = self.current.as_dict()
        found["previous"] = self.previous.as_dict() if self.previous else None
        found["published"] = self.published.as_dict() if self.published else None
        found["from_levels"] = self.from_levels.as_dict() if self.from_levels else None
        return found

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "indicator": self.indicator,
                "region": self.region,
                "basis": self.basis,
                "period": self.period,
                "value": self.value,
                "unit": self.unit,
                "price_basis": self.price_basis,
                "method": self.method,
                "current_period": self.current.period,
                "current_value": self.current.value,
                "base_period": self.base_period,
                "previous_value": self.previous.value if self.previous else None,
                "input_unit": self.current.unit,
                "published_indicator": self.published.indicator if self.published else None,
                "published_value": self.published.value if self.published else None,
                "published_price_basis": self.published.price_basis if self.published else None,
                "nominal_from_levels": self.from_levels.value if self.from_levels else None,
            }
        ]


def growth(
    conn: Connection,
    actor: Actor,
    indicator: str,
    region: str,
    period: str,
    basis: str = Basis.YOY.value,
    options: Options = LATEST,
) -> Growth:
    """Growth of one indicator for one region and period; for a published rate, the rate as stored."""
    require(actor, Permission.VIEW_FACTS)
    target = subject(conn, indicator, options)
    code = region_code(conn, region)
    when = checked_period(period, target)
    how = basis_of(basis)
    if target.indicator.value_kind is ValueKind.GROWTH_RATE:
        return _published_growth(conn, actor, target, code, when, how, options)
    return level_growth(conn, actor, target, code, when, how, options)


def level_growth(
    conn: Connection,
    actor: Actor,
    target: Subject,
    region: str,
    period: Period,
    basis: Basis,
    options: Options,
    *,
    with_published: bool = True,
) -> Growth:
    """Growth worked out from two stored values: a % change of a level, a difference of a percentage."""
    before = base_period(period, basis)
    found = read(conn, actor, target, [region], [period, before], options)
    current = required(found, target, region, period, CURRENT)
    previous = required(found, target, region, before, BASE)
    value, unit, method, formula = change(target.indicator, current.value, previous.value, before)
    published = (
        linked_rate(conn, actor, target, region, period, options)
        if with_published and basis is Basis.YOY
        else None
    )
    return Growth(
        indicator=target.code,
        indicator_name=target.indicator.name,
        value_kind=target.indicator.value_kind.value,
        region=region,
        region_name=current.region_name,
        basis=basis.value,
        period=str(period),
        base_period=str(before),
        value=value,
        unit=unit,
        method=method,
        price_basis=computed_price_basis(target.indicator),
        formula=formula,
        current=current,
        previous=previous,
        published=published,
    )


def change(
    indicator: Indicator, current: float, previous: float, base: Period | str
) -> tuple[float, str, str, str]:
    """(value, unit, method, formula) of the change from `previous` to `current`."""
    if changes_as_difference(indicator):
        value = rounded(current - previous)
        return value or 0.0, point_unit(indicator.unit), "difference", f"{current!r} − {previous!r}"
    if previous <= 0:
        raise InvalidInput(
            message(
                N_("Growth of {code} is not defined on the base value {value} in {period}"),
                code=indicator.code,
                value=previous,
                period=str(base),
            )
        )
    value = rounded((current / previous - 1) * 100)
    return value or 0.0, "%", "percent_change", f"({current!r} / {previous!r} − 1) × 100"


def _published_growth(
    conn: Connection,
    actor: Actor,
    target: Subject,
    region: str,
    period: Period,
    basis: Basis,
    options: Options,
) -> Growth:
    if basis is not Basis.YOY:
        raise InvalidInput(
            message(
                N_(
                    "{code} is a published growth rate on the same period of the year before; "
                    "a period-on-period rate is not published"
                ),
                code=target.code,
            )
        )
    current = required(
        read(conn, actor, target, [region], [period], options), target, region, period, CURRENT
    )
    level = _level_of(conn, target, options)
    from_levels = None
    if level is not None:
        try:
            from_levels = level_growth(
                conn, actor, level, region, period, basis, options, with_published=False
            )
        except (NotFound, InvalidInput):
            from_levels = None
    return Growth(
        indicator=target.code,
        indicator_name=target.indicator.name,
        value_kind=target.indicator.value_kind.value,
        region=region,
        region_name=current.region_name,
        basis=basis.value,
        period=str(period),
        base_period=str(period.shift_years(-1)),
        value=current.value,
        unit=current.unit,
        method="published",
        price_basis=target.indicator.price_basis.value if target.indicator.price_basis else None,
        formula=f"{target.code} {period} = {current.value!r} (stored)",
        current=current,
        previous=None,
        from_levels=from_levels,
    )


def _level_of(conn: Connection, target: Subject, options: Options) -> Subject | None:
    code = target.indicator.growth_of
    level = indicator_catalog(conn).by_code.get(code or "")
    if level is None:
        return None
    return Subject(indicator=level, unit=level.unit, dims=target.dims, cumulative=target.cumulative)


def rate_indicators(conn: Connection, level: str) -> list[Indicator]:
    """The published growth rates linked to a level, comparable-price ones first."""
    rates = [item for item in indicator_catalog(conn).by_code.values() if item.growth_of == level]
    return sorted(rates, key=lambda item: (item.price_basis is not PriceBasis.COMPARABLE, item.code))


def linked_rate(
    conn: Connection, actor: Actor, target: Subject, region: str, period: Period, options: Options
) -> Published | None:
    """The published year-on-year rate of a level for one region and period, where one is stored."""
    found = linked_rates(conn, actor, target, [region], period, options)
    return found.get(region)


def linked_rates(
    conn: Connection,
    actor: Actor,
    target: Subject,
    regions: list[str],
    period: Period,
    options: Options,
) -> dict[str, Published]:
    """The published rates of a level for several regions in one period (the first linked rate that has
    a value for each)."""
    published: dict[str, Published] = {}
    for rate in rate_indicators(conn, target.code):
        missing = [region for region in regions if region not in published]
        if not missing:
            break
        rate_subject = Subject(indicator=rate, unit=rate.unit, dims=target.dims, cumulative=False)
        for (region, _period), item in read(conn, actor, rate_subject, missing, [period], options).items():
            published[region] = Published(
                indicator=rate.code,
                indicator_name=rate.name,
                period=item.period,
                value=item.value,
                unit=item.unit,
                price_basis=rate.price_basis.value if rate.price_basis else None,
                source=item.source,
            )
    return published


@dataclass(frozen=True)
class CompoundGrowth:
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    start: str
    end: str
    years: int
    value: float
    unit: str
    price_basis: str | None
    formula: str
    first: Observation
    last: Observation
    published_average: float | None  # the geometric mean of the published yearly rates, where all exist
    published_indicator: str | None
    published_price_basis: str | None

    def as_dict(self) -> dict[str, Any]:
        found = {name: value for name, value in self.__dict__.items() if name not in ("first", "last")}
        return {**found, "first": self.first.as_dict(), "last": self.last.as_dict()}

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "indicator": self.indicator,
                "region": self.region,
                "start": self.start,
                "end": self.end,
                "years": self.years,
                "value": self.value,
                "unit": self.unit,
                "price_basis": self.price_basis,
                "first_value": self.first.value,
                "last_value": self.last.value,
                "input_unit": self.last.unit,
                "published_average": self.published_average,
                "published_indicator": self.published_indicator,
                "published_price_basis": self.published_price_basis,
            }
        ]


def compound_growth(
    conn: Connection,
    actor: Actor,
    indicator: str,
    region: str,
    start: str,
    end: str,
    options: Options = LATEST,
) -> CompoundGrowth:
    """Average annual growth between two periods of the same shape some whole years apart (年均增长)."""
    require(actor, Permission.VIEW_FACTS)
    target = subject(conn, indicator, options)
    code = region_code(conn, region)
    first, last = checked_period(start, target), checked_period(end, target)
    if changes_as_difference(target.indicator):
        raise InvalidInput(
            message(
                N_("Compound growth needs levels; {code} is a {kind} in {unit}"),
                code=target.code,
                kind=target.indicator.value_kind.value,
                unit=target.indicator.unit,
            )
        )
    years = last.year - first.year
    if (first.start_month, first.end_month) != (last.start_month, last.end_month) or years <= 0:
        raise InvalidInput(
            message(
                N_(
                    "Compound growth runs from an earlier to a later period of the same months: "
                    "not {start} to {end}"
                ),
                start=str(first),
                end=str(last),
            )
        )
    found = read(conn, actor, target, [code], [first, last], options)
    begin = required(found, target, code, first, FIRST)
    finish = required(found, target, code, last, LAST)
    if begin.value <= 0 or finish.value <= 0:
        raise InvalidInput(
            message(
                N_("Compound growth of {code} needs positive values: {start} is {first}, {end} is {last}"),
                code=target.code,
                start=str(first),
                first=begin.value,
                end=str(last),
                last=finish.value,
            )
        )
    value = ((finish.value / begin.value) ** (1 / years) - 1) * 100
    average, rate = _published_average(conn, actor, target, code, first, years, options)
    return CompoundGrowth(
        indicator=target.code,
        indicator_name=target.indicator.name,
        region=code,
        region_name=finish.region_name,
        start=str(first),
        end=str(last),
        years=years,
        value=rounded(value) or 0.0,
        unit="%",
        price_basis=computed_price_basis(target.indicator),
        formula=f"(({finish.value!r} / {begin.value!r}) ^ (1 / {years}) − 1) × 100",
        first=begin,
        last=finish,
        published_average=average,
        published_indicator=rate.code if rate else None,
        published_price_basis=rate.price_basis.value if rate and rate.price_basis else None,
    )


def _published_average(
    conn: Connection,
    actor: Actor,
    target: Subject,
    region: str,
    first: Period,
    years: int,
    options: Options,
) -> tuple[float | None, Indicator | None]:
    rates = rate_indicators(conn, target.code)
    if not rates:
        return None, None
    rate = rates[0]
    rate_subject = Subject(indicator=rate, unit=rate.unit, dims=target.dims, cumulative=False)
    periods = [first.shift_years(step) for step in range(1, years + 1)]
    found = read(conn, actor, rate_subject, [region], periods, options)
    if len(found) < years:
        return None, rate
    product = 1.0
    for item in found.values():
        product *= 1 + item.value / 100
    return rounded((product ** (1 / years) - 1) * 100), rate
