"""Rankings of the sub-regions of a region (the districts of the city) by level, growth or share of the
parent, with equal values sharing a rank (1, 2, 2, 4) and regions without a value listed last."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.growth import Basis, Published, base_period, basis_of, change, linked_rates
from citybase.analysis.observations import (
    CURRENT,
    LATEST,
    Observation,
    Options,
    changes_as_difference,
    checked_period,
    computed_price_basis,
    no_value,
    point_unit,
    ratio_percent,
    read,
    region_code,
    rounded,
    subject,
)
from citybase.errors import InvalidInput, NotFound
from citybase.indicators.model import ValueKind
from citybase.messages import N_, message
from citybase.regions.index import region_index
from citybase.site import HOME_REGION, get_setting

GROWTH_DECIMALS = 1  # rates are published to one decimal, and ranked as published


class RankBy(StrEnum):
    LEVEL = "level"
    GROWTH = "growth"
    SHARE = "share"


@dataclass(frozen=True)
class Ranked:
    rank: int | None
    region: str
    region_name: str
    value: float | None
    growth: float | None
    growth_unit: str
    share: float | None  # % of the parent's value
    published: Published | None
    current: Observation | None
    previous: Observation | None

    def as_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in self.__dict__.items() if k not in ("current", "previous", "published")}
        return {
            **found,
            "published": self.published.as_dict() if self.published else None,
            "current": self.current.as_dict() if self.current else None,
            "previous": self.previous.as_dict() if self.previous else None,
        }


@dataclass(frozen=True)
class Ranking:
    indicator: str
    indicator_name: str
    unit: str
    parent: str
    parent_name: str
    period: str
    base_period: str
    basis: str
    by: str
    order: str
    decimals: int
    price_basis: str | None
    parent_value: Observation | None
    coverage: str  # sub-regions with a value / sub-regions that year
    items: list[Ranked] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in self.__dict__.items() if k not in ("items", "parent_value")}
        return {
            **found,
            "parent_value": self.parent_value.as_dict() if self.parent_value else None,
            "items": [item.as_dict() for item in self.items],
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "rank": item.rank,
                "region": item.region,
                "region_name": item.region_name,
                "period": self.period,
                "indicator": self.indicator,
                "value": item.value,
                "unit": self.unit,
                "growth": item.growth,
                "growth_unit": item.growth_unit,
                "price_basis": self.price_basis,
                "published_growth": item.published.value if item.published else None,
                "published_price_basis": item.published.price_basis if item.published else None,
                "share": item.share,
                "previous": item.previous.value if item.previous else None,
                "base_period": self.base_period,
                "source": item.current.source if item.current else None,
            }
            for item in self.items
        ]


def ranks(values: list[float | None], decimals: int, descending: bool = True) -> list[int | None]:
    """Competition ranks (1, 2, 2, 4) of values compared as rounded to `decimals`; None is unranked."""
    keyed = [None if value is None else round(value, decimals) for value in values]
    present = sorted((value for value in keyed if value is not None), reverse=descending)
    first: dict[float, int] = {}
    for position, value in enumerate(present, start=1):
        first.setdefault(value, position)
    return [None if value is None else first[value] for value in keyed]


def ranking(
    conn: Connection,
    actor: Actor,
    indicator: str,
    period: str,
    parent: str | None = None,
    by: str = RankBy.LEVEL.value,
    basis: str = Basis.YOY.value,
    order: str = "desc",
    options: Options = LATEST,
) -> Ranking:
    """The sub-regions of `parent` (the home city when None) ranked by level, growth or share."""
    require(actor, Permission.VIEW_FACTS)
    target = subject(conn, indicator, options)
    parent_code = region_code(conn, parent or get_setting(conn, HOME_REGION) or "")
    when = checked_period(period, target)
    how = basis_of(basis)
    try:
        key = RankBy(by)
    except ValueError as exc:
        allowed = ", ".join(item.value for item in RankBy)
        raise InvalidInput(
            message(N_("'{value}' is not one of {allowed}"), value=by, allowed=allowed)
        ) from exc
    if order not in ("desc", "asc"):
        raise InvalidInput(message(N_("'{value}' is not one of {allowed}"), value=order, allowed="desc, asc"))
    additive = target.indicator.sums_over_regions
    if key is RankBy.SHARE and not additive:
        raise InvalidInput(
            message(N_("{code} is not summed over regions, so a region has no share of it"), code=target.code)
        )
    index = region_index(conn)
    # As the store's own sums do: the sub-regions of that year, and any former one with a value.
    every = {kid.code: kid for kid in index.children.get(parent_code, [])}
    if not every:
        raise NotFound(message(N_("Region {code} has no sub-regions to rank"), code=parent_code))
    in_use = {kid.code for kid in index.children_of(parent_code, when.year)}
    before = when if target.indicator.value_kind is ValueKind.GROWTH_RATE else base_period(when, how)
    found = read(conn, actor, target, [parent_code, *every], [when, before], options)
    kids = [
        index.latest(code) or kid
        for code, kid in sorted(every.items())
        if code in in_use or (code, str(when)) in found
    ]
    codes = [kid.code for kid in kids]
    parent_value = found.get((parent_code, str(when)))
    published = linked_rates(conn, actor, target, codes, when, options) if how is Basis.YOY else {}
    rows = []
    for kid in kids:
        current, previous = found.get((kid.code, str(when))), found.get((kid.code, str(before)))
        growth = None
        if current is not None and previous is not None and before != when:
            try:
                growth = change(target.indicator, current.value, previous.value, before)[0]
            except InvalidInput:
                growth = None
        share = (
            rounded(ratio_percent(current.value, parent_value.value))
            if additive and current is not None and parent_value is not None
            else None
        )
        rows.append((kid, current, previous, growth, share))
    if key is RankBy.GROWTH and all(row[3] is None for row in rows):
        raise NotFound(
            message(
                N_("No sub-region of {region} has values of {indicator} for both {period} and {base}"),
                region=parent_code,
                indicator=target.code,
                period=str(when),
                base=str(before),
            )
        )
    decimals = target.indicator.decimals if key is RankBy.LEVEL else GROWTH_DECIMALS
    chosen = [
        (row[1].value if row[1] else None)
        if key is RankBy.LEVEL
        else row[3]
        if key is RankBy.GROWTH
        else row[4]
        for row in rows
    ]
    positions = ranks(chosen, decimals, descending=order == "desc")
    items = [
        Ranked(
            rank=rank,
            region=kid.code,
            region_name=kid.name,
            value=current.value if current else None,
            growth=growth,
            growth_unit=point_unit(target.unit) if changes_as_difference(target.indicator) else "%",
            share=share,
            published=published.get(kid.code),
            current=current,
            previous=previous,
        )
        for (kid, current, previous, growth, share), rank in zip(rows, positions, strict=True)
    ]
    items.sort(key=lambda item: (item.rank is None, item.rank or 0, item.region))
    reported = sum(1 for item in items if item.current is not None)
    if reported == 0:
        raise NotFound(no_value(target.code, ", ".join(codes), when, CURRENT))
    parent_region = index.latest(parent_code)
    return Ranking(
        indicator=target.code,
        indicator_name=target.indicator.name,
        unit=target.unit,
        parent=parent_code,
        parent_name=parent_region.name if parent_region else parent_code,
        period=str(when),
        base_period=str(before),
        basis=how.value,
        by=key.value,
        order=order,
        decimals=decimals,
        price_basis=computed_price_basis(target.indicator),
        parent_value=parent_value,
        coverage=f"{reported}/{len(items)}",
        items=items,
    )
