"""Structure (构成) and contributions to growth (贡献率, 拉动) of the parts of a total, such as the three
industries' value added (VA_PRIMARY, VA_SECONDARY, VA_TERTIARY) in GDP. All from stored levels, so the
results are at the levels' price basis (current prices unless an indicator says otherwise)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.growth import Basis, Published, base_period, basis_of, linked_rate
from citybase.analysis.observations import (
    BASE,
    CURRENT,
    LATEST,
    Observation,
    Options,
    Subject,
    checked_period,
    computed_price_basis,
    ratio_percent,
    read,
    region_code,
    require_additive,
    required,
    rounded,
    subject,
)
from citybase.errors import InvalidInput
from citybase.messages import N_, message
from citybase.transform.periods import Period
from citybase.transform.units import conversion_factor

THREE_INDUSTRIES = ("VA_PRIMARY", "VA_SECONDARY", "VA_TERTIARY")
DEFAULT_PARTS = {"GDP": THREE_INDUSTRIES}
STRUCTURE = N_("structure")
CONTRIBUTION = N_("contribution to growth")


def parts_of(total: str, parts: Sequence[str]) -> list[str]:
    """The parts asked for, or the known breakdown of a total (GDP → the three industries)."""
    chosen = [part.strip().upper() for part in parts if part.strip()]
    if chosen:
        return chosen
    default = DEFAULT_PARTS.get(total.strip().upper())
    if default is None:
        raise InvalidInput(message(N_("Name the parts of {code}"), code=total))
    return list(default)


def _targets(
    conn: Connection, total: str, parts: Sequence[str], options: Options, what: str
) -> tuple[Subject, list[Subject], list[float]]:
    """The total, its parts, and the factor turning each part's unit into the total's."""
    whole = subject(conn, total, options)
    require_additive(whole, what)
    members = [subject(conn, code, options) for code in parts_of(total, parts)]
    factors = []
    for member in members:
        require_additive(member, what)
        if member.code == whole.code:
            raise InvalidInput(message(N_("{code} cannot be a part of itself"), code=member.code))
        factors.append(float(conversion_factor(member.unit, whole.unit)))
    return whole, members, factors


@dataclass(frozen=True)
class Share:
    indicator: str
    indicator_name: str
    value: float  # in the total's unit
    share: float | None  # % of the total
    observation: Observation

    def as_dict(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.__dict__.items() if k != "observation"},
            "input": self.observation.as_dict(),
        }


@dataclass(frozen=True)
class Structure:
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    period: str
    unit: str
    price_basis: str | None
    total: Observation
    parts: list[Share]
    parts_sum: float
    shares_sum: float | None
    residual: float  # total minus the sum of the parts (rounding, or parts not listed)

    def as_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in self.__dict__.items() if k not in ("total", "parts")}
        return {**found, "total": self.total.as_dict(), "parts": [part.as_dict() for part in self.parts]}

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "region": self.region,
                "period": self.period,
                "indicator": part.indicator,
                "indicator_name": part.indicator_name,
                "value": part.value,
                "unit": self.unit,
                "share": part.share,
                "total_indicator": self.indicator,
                "total": self.total.value,
                "source": part.observation.source,
                "computed": part.observation.computed,
            }
            for part in self.parts
        ]


def structure(
    conn: Connection,
    actor: Actor,
    total: str,
    region: str,
    period: str,
    parts: Sequence[str] = (),
    options: Options = LATEST,
) -> Structure:
    """Each part's share of the total (%), e.g. the three-industry structure of GDP."""
    require(actor, Permission.VIEW_FACTS)
    whole, members, factors = _targets(conn, total, parts, options, STRUCTURE)
    code = region_code(conn, region)
    when = checked_period(period, whole)
    total_value = required(read(conn, actor, whole, [code], [when], options), whole, code, when, CURRENT)
    shares = []
    for member, factor in zip(members, factors, strict=True):
        checked_period(str(when), member)
        item = required(read(conn, actor, member, [code], [when], options), member, code, when, CURRENT)
        value = item.value * factor
        shares.append(
            Share(
                indicator=member.code,
                indicator_name=member.indicator.name,
                value=rounded(value) or 0.0,
                share=rounded(ratio_percent(value, total_value.value)),
                observation=item,
            )
        )
    parts_sum = sum(share.value for share in shares)
    share_values = [share.share for share in shares]
    return Structure(
        indicator=whole.code,
        indicator_name=whole.indicator.name,
        region=code,
        region_name=total_value.region_name,
        period=str(when),
        unit=whole.unit,
        price_basis=computed_price_basis(whole.indicator),
        total=total_value,
        parts=shares,
        parts_sum=rounded(parts_sum) or 0.0,
        shares_sum=None if None in share_values else rounded(sum(v or 0.0 for v in share_values)),
        residual=rounded(total_value.value - parts_sum) or 0.0,
    )


@dataclass(frozen=True)
class PartContribution:
    indicator: str
    indicator_name: str
    current: float  # in the total's unit
    previous: float
    change: float
    growth: float | None  # the part's own nominal growth, %
    contribution: float | None  # 贡献率: the part's change as % of the total's change
    pull: float | None  # 拉动: percentage points of the total's growth
    published: Published | None  # the part's published (comparable-price) rate, where stored
    inputs: tuple[Observation, Observation]

    def as_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in self.__dict__.items() if k not in ("inputs", "published")}
        return {
            **found,
            "published": self.published.as_dict() if self.published else None,
            "inputs": [item.as_dict() for item in self.inputs],
        }


@dataclass(frozen=True)
class Contribution:
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    basis: str
    period: str
    base_period: str
    unit: str
    price_basis: str | None
    growth: float | None  # the total's nominal growth, %
    change: float
    current: Observation
    previous: Observation
    parts: list[PartContribution]
    contributions_sum: float | None
    pulls_sum: float | None
    residual_change: float  # the total's change not covered by the parts

    def as_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in self.__dict__.items() if k not in ("current", "previous", "parts")}
        return {
            **found,
            "current": self.current.as_dict(),
            "previous": self.previous.as_dict(),
            "parts": [part.as_dict() for part in self.parts],
        }

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "region": self.region,
                "period": self.period,
                "base_period": self.base_period,
                "indicator": part.indicator,
                "indicator_name": part.indicator_name,
                "current": part.current,
                "previous": part.previous,
                "change": part.change,
                "unit": self.unit,
                "growth": part.growth,
                "contribution": part.contribution,
                "pull": part.pull,
                "published_growth": part.published.value if part.published else None,
                "published_price_basis": part.published.price_basis if part.published else None,
                "total_indicator": self.indicator,
                "total_growth": self.growth,
                "price_basis": self.price_basis,
            }
            for part in self.parts
        ]


def contribution(
    conn: Connection,
    actor: Actor,
    total: str,
    region: str,
    period: str,
    parts: Sequence[str] = (),
    basis: str = Basis.YOY.value,
    options: Options = LATEST,
) -> Contribution:
    """Each part's contribution rate (% of the total's change) and pull (个百分点 of the total's growth)."""
    require(actor, Permission.VIEW_FACTS)
    whole, members, factors = _targets(conn, total, parts, options, CONTRIBUTION)
    code = region_code(conn, region)
    when = checked_period(period, whole)
    before = base_period(when, basis_of(basis))
    both = read(conn, actor, whole, [code], [when, before], options)
    current = required(both, whole, code, when, CURRENT)
    previous = required(both, whole, code, before, BASE)
    change = current.value - previous.value
    found = []
    for member, factor in zip(members, factors, strict=True):
        found.append(_part(conn, actor, member, factor, code, when, before, change, previous.value, options))
    contributions = [part.contribution for part in found]
    pulls = [part.pull for part in found]
    return Contribution(
        indicator=whole.code,
        indicator_name=whole.indicator.name,
        region=code,
        region_name=current.region_name,
        basis=basis_of(basis).value,
        period=str(when),
        base_period=str(before),
        unit=whole.unit,
        price_basis=computed_price_basis(whole.indicator),
        growth=rounded(ratio_percent(change, previous.value)),
        change=rounded(change) or 0.0,
        current=current,
        previous=previous,
        parts=found,
        contributions_sum=None if None in contributions else rounded(sum(v or 0.0 for v in contributions)),
        pulls_sum=None if None in pulls else rounded(sum(v or 0.0 for v in pulls)),
        residual_change=rounded(change - sum(part.change for part in found)) or 0.0,
    )


def _part(
    conn: Connection,
    actor: Actor,
    member: Subject,
    factor: float,
    region: str,
    when: Period,
    before: Period,
    total_change: float,
    total_previous: float,
    options: Options,
) -> PartContribution:
    checked_period(str(when), member)
    both = read(conn, actor, member, [region], [when, before], options)
    now = required(both, member, region, when, CURRENT)
    then = required(both, member, region, before, BASE)
    current, previous = now.value * factor, then.value * factor
    change = current - previous
    published = (
        linked_rate(conn, actor, member, region, when, options) if when.shift_years(-1) == before else None
    )
    return PartContribution(
        indicator=member.code,
        indicator_name=member.indicator.name,
        current=rounded(current) or 0.0,
        previous=rounded(previous) or 0.0,
        change=rounded(change) or 0.0,
        growth=rounded(ratio_percent(change, previous)) if previous > 0 else None,
        contribution=rounded(ratio_percent(change, total_change)),
        pull=rounded(ratio_percent(change, total_previous)),
        published=published,
        inputs=(now, then),
    )
