"""District comparison for the cockpit: one indicator and period across the sub-regions of the city, by
level, year-on-year growth, share of the city or per-capita value, ranked, ready for a choropleth map."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.cockpit import home_region
from citybase.analysis.observations import LATEST, Options, subject
from citybase.analysis.percapita import DEFAULT_UNIT, per_capita
from citybase.analysis.ranking import GROWTH_DECIMALS, RankBy, Ranked, Ranking, ranking, ranks
from citybase.errors import InvalidInput, NotFound
from citybase.facts.query import MAX_LIMIT, SeriesQuery, query_facts
from citybase.messages import N_, message
from citybase.regions.index import region_index
from citybase.transform.periods import parse_period


class Measure(StrEnum):
    LEVEL = "level"
    GROWTH = "growth"  # year on year, from levels: nominal for money
    SHARE = "share"  # of the city's value
    PER_CAPITA = "per_capita"  # over the resident population, in 元/人


PRICED = (Measure.GROWTH, Measure.PER_CAPITA)  # measures computed from current-price levels


@dataclass(frozen=True)
class DistrictValue:
    rank: int | None
    region: str
    region_name: str
    value: float | None  # the measure
    level: float | None  # the indicator's own value
    published: float | None  # the published (comparable) rate, for growth
    published_price_basis: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Comparison:
    indicator: str
    indicator_name: str
    parent: str
    parent_name: str
    period: str
    base_period: str | None
    measure: str
    unit: str  # of the measure
    level_unit: str
    decimals: int
    price_basis: str | None  # of computed growth and per-capita values
    coverage: str
    periods: list[str]  # periods with district values, newest first, for the picker
    items: list[DistrictValue] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found = {key: value for key, value in self.__dict__.items() if key != "items"}
        return {**found, "items": [item.as_dict() for item in self.items]}

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "rank": item.rank,
                "region": item.region,
                "region_name": item.region_name,
                "indicator": self.indicator,
                "period": self.period,
                "measure": self.measure,
                "value": item.value,
                "unit": self.unit,
                "price_basis": self.price_basis,
                "level": item.level,
                "level_unit": self.level_unit,
                "published_growth": item.published,
                "published_price_basis": item.published_price_basis,
            }
            for item in self.items
        ]


def measure_of(text: str) -> Measure:
    try:
        return Measure(text)
    except ValueError as exc:
        allowed = ", ".join(item.value for item in Measure)
        raise InvalidInput(
            message(N_("'{value}' is not one of {allowed}"), value=text, allowed=allowed)
        ) from exc


def district_periods(
    conn: Connection, actor: Actor, indicator: str, parent: str, options: Options = LATEST
) -> list[str]:
    """The periods for which any sub-region of `parent` has a value of the indicator, newest first."""
    target = subject(conn, indicator, options)
    kids = [kid.code for kid in region_index(conn).children.get(parent, [])]
    if not kids:
        return []
    page = query_facts(
        conn,
        actor,
        SeriesQuery(
            indicators=[target.code],
            regions=kids,
            dims=target.dims,
            as_of=options.as_of,
            status=options.status,
            include_computed=False,
            limit=MAX_LIMIT,
        ),
    )
    found = {item.period for item in page.items if item.value is not None}
    return sorted(
        found,
        key=lambda text: (parse_period(text).last_month_index, parse_period(text).length),
        reverse=True,
    )


def compare_districts(
    conn: Connection,
    actor: Actor,
    indicator: str,
    period: str | None = None,
    measure: str = Measure.LEVEL.value,
    parent: str | None = None,
    options: Options = LATEST,
) -> Comparison:
    """The sub-regions of `parent` (the home city by default) for one indicator, measure and period (the
    latest with district values when not given), ranked highest first."""
    require(actor, Permission.VIEW_FACTS)
    how = measure_of(measure)
    code = home_region(conn, parent)
    target = subject(conn, indicator, options)
    periods = district_periods(conn, actor, target.code, code, options)
    chosen = period.strip() if period and period.strip() else None
    if chosen is None:
        if not periods:
            raise NotFound(
                message(
                    N_("No sub-region of {region} has a value of {indicator}"),
                    region=code,
                    indicator=target.code,
                )
            )
        chosen = periods[0]
    by = RankBy.LEVEL if how is Measure.PER_CAPITA else RankBy(how.value)
    ranked = ranking(conn, actor, target.code, chosen, code, by.value, "yoy", "desc", options)
    if how is Measure.PER_CAPITA:
        return _per_capita(conn, actor, ranked, periods, options)
    unit = {Measure.LEVEL: ranked.unit, Measure.SHARE: "%"}.get(
        how, ranked.items[0].growth_unit if ranked.items else "%"
    )
    items = [
        DistrictValue(
            rank=item.rank,
            region=item.region,
            region_name=item.region_name,
            value=_measured(item, how),
            level=item.value,
            published=item.published.value if item.published else None,
            published_price_basis=item.published.price_basis if item.published else None,
        )
        for item in ranked.items
    ]
    return _comparison(ranked, how, unit, ranked.decimals, items, periods)


def _measured(item: Ranked, how: Measure) -> float | None:
    if how is Measure.GROWTH:
        return item.growth
    return item.share if how is Measure.SHARE else item.value


def _per_capita(
    conn: Connection, actor: Actor, ranked: Ranking, periods: list[str], options: Options
) -> Comparison:
    values: list[float | None] = []
    for item in ranked.items:
        try:
            found = per_capita(conn, actor, ranked.indicator, item.region, ranked.period, options=options)
            values.append(found.value)
        except (NotFound, InvalidInput):
            values.append(None)
    positions = ranks(values, 0)
    items = [
        DistrictValue(
            rank=rank,
            region=item.region,
            region_name=item.region_name,
            value=value,
            level=item.value,
            published=None,
            published_price_basis=None,
        )
        for item, value, rank in zip(ranked.items, values, positions, strict=True)
    ]
    items.sort(key=lambda item: (item.rank is None, item.rank or 0, item.region))
    return _comparison(ranked, Measure.PER_CAPITA, DEFAULT_UNIT, 0, items, periods)


def _comparison(
    ranked: Ranking, how: Measure, unit: str, decimals: int, items: list[DistrictValue], periods: list[str]
) -> Comparison:
    reported = sum(1 for item in items if item.value is not None)
    return Comparison(
        indicator=ranked.indicator,
        indicator_name=ranked.indicator_name,
        parent=ranked.parent,
        parent_name=ranked.parent_name,
        period=ranked.period,
        base_period=ranked.base_period if how is Measure.GROWTH else None,
        measure=how.value,
        unit=unit,
        level_unit=ranked.unit,
        decimals=GROWTH_DECIMALS if how in (Measure.GROWTH, Measure.SHARE) else decimals,
        # Current or comparable prices only mean something for money, not for people or areas.
        price_basis=ranked.price_basis if how in PRICED and "元" in ranked.unit else None,
        coverage=f"{reported}/{len(items)}",
        periods=periods,
        items=items,
    )
