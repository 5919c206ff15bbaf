"""The city overview (驾驶舱): for each key indicator its latest value, its year-on-year growth (nominal
from levels beside the published comparable rate, never mixed), its recent trend and its targets' progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.growth import Basis, level_growth
from citybase.analysis.observations import (
    LATEST,
    Observation,
    Options,
    Subject,
    read_series,
    region_code,
    region_label,
    subject,
)
from citybase.analysis.targets import Progress, Target, list_targets, progress
from citybase.errors import InvalidInput, NotFound
from citybase.indicators.catalog import indicator_catalog
from citybase.indicators.model import ValueKind
from citybase.messages import N_, message
from citybase.site import HOME_REGION, get_setting
from citybase.transform.periods import Period, parse_period

# The leaders' usual first page: output, its three industries, people, spending, investment, industry.
DEFAULT_TILES = (
    "GDP",
    "GDP_PER_CAPITA",
    "VA_PRIMARY",
    "VA_SECONDARY",
    "VA_TERTIARY",
    "POP_RESIDENT",
    "RETAIL_SALES",
    "FAI_GROWTH",
    "IND_VA_ABOVE_SCALE_GROWTH",
)
TREND_POINTS = 10
MAX_TILES = 24


@dataclass(frozen=True)
class Tile:
    indicator: str
    indicator_name: str
    value_kind: str
    unit: str
    decimals: int
    period: str
    value: float
    computed: str | None
    source: str | None
    rate_price_basis: str | None  # a growth rate shown as the tile's value: its own price basis
    growth: float | None  # year on year, computed from levels (nominal for money)
    growth_unit: str
    growth_price_basis: str | None
    base_period: str | None
    published: float | None  # the published (usually comparable-price) rate for the same period
    published_unit: str | None
    published_indicator: str | None
    published_price_basis: str | None
    trend: list[tuple[str, float]]
    targets: list[Progress] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found = {key: value for key, value in self.__dict__.items() if key not in ("trend", "targets")}
        return {
            **found,
            "trend": [{"period": period, "value": value} for period, value in self.trend],
            "targets": [item.as_dict() for item in self.targets],
        }

    def row(self) -> dict[str, Any]:
        first = self.targets[0] if self.targets else None
        return {
            "indicator": self.indicator,
            "indicator_name": self.indicator_name,
            "period": self.period,
            "value": self.value,
            "unit": self.unit,
            "growth": self.growth,
            "growth_unit": self.growth_unit,
            "growth_price_basis": self.growth_price_basis,
            "base_period": self.base_period,
            "published_growth": self.published,
            "published_indicator": self.published_indicator,
            "published_price_basis": self.published_price_basis,
            "rate_price_basis": self.rate_price_basis,
            "target_kind": first.target.kind if first else None,
            "target_period": first.target.period if first else None,
            "target_value": first.target.value if first else None,
            "target_unit": first.target.unit if first else None,
            "target_actual": first.actual if first else None,
            "target_percent": first.percent if first else None,
            "target_time_share": first.time_share if first else None,
            "target_gap": first.gap if first else None,
            "target_on_track": first.on_track if first else None,
        }


@dataclass(frozen=True)
class Overview:
    region: str
    region_name: str
    tiles: list[Tile]
    without_data: list[str]  # indicators asked for that have no value for the region

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "region_name": self.region_name,
            "tiles": [tile.as_dict() for tile in self.tiles],
            "without_data": self.without_data,
        }

    def rows(self) -> list[dict[str, Any]]:
        return [{"region": self.region, **tile.row()} for tile in self.tiles]


def home_region(conn: Connection, region: str | None) -> str:
    """The region asked for, or the city this instance serves."""
    return region_code(conn, region or get_setting(conn, HOME_REGION) or "")


def overview(
    conn: Connection,
    actor: Actor,
    region: str | None = None,
    indicators: Sequence[str] = (),
    options: Options = LATEST,
) -> Overview:
    """One tile per indicator with a value for the region (the home city by default); with no indicators
    named, the default set, skipping those the store does not have."""
    require(actor, Permission.VIEW_FACTS)
    code = home_region(conn, region)
    if len(indicators) > MAX_TILES:
        raise InvalidInput(
            message(
                N_("At most {max} indicators fit on the overview, not {count}"),
                max=MAX_TILES,
                count=len(indicators),
            )
        )
    catalog = indicator_catalog(conn)
    named = list(indicators) or [item for item in DEFAULT_TILES if catalog.resolve(item) is not None]
    targets = list_targets(conn, actor, region=code)
    tiles, without = [], []
    for name in named:
        target = subject(conn, name, options)
        found = tile(conn, actor, target, code, targets, options)
        if found is None:
            without.append(target.code)
        else:
            tiles.append(found)
    return Overview(code, region_label(conn, code), tiles, without)


def latest(values: Sequence[Observation]) -> Observation | None:
    """The value of the latest period: the one ending last, the longest of those (a year over its
    fourth quarter), a reported value over a computed one."""
    return max(
        values,
        key=lambda item: (
            parse_period(item.period).last_month_index,
            parse_period(item.period).length,
            item.computed is None,
        ),
        default=None,
    )


def trend(
    values: Sequence[Observation], shape: Period, points: int = TREND_POINTS
) -> list[tuple[str, float]]:
    """The last values of periods shaped like `shape` (years for a year, the same months for a year to
    date), oldest first."""
    same = [
        item
        for item in values
        if (period := parse_period(item.period)).start_month == shape.start_month
        and period.end_month == shape.end_month
    ]
    same.sort(key=lambda item: parse_period(item.period).first_month_index)
    return [(item.period, item.value) for item in same[-points:]]


def tile(
    conn: Connection,
    actor: Actor,
    target: Subject,
    region: str,
    targets: Sequence[Target],
    options: Options = LATEST,
) -> Tile | None:
    """The tile of one indicator for one region, or None when the store has no value for it."""
    values = read_series(conn, actor, target, region, options)
    last = latest(values)
    if last is None:
        return None
    period = parse_period(last.period)
    indicator = target.indicator
    is_rate = indicator.value_kind is ValueKind.GROWTH_RATE
    change = None
    if not is_rate:
        try:
            change = level_growth(conn, actor, target, region, period, Basis.YOY, options)
        except (NotFound, InvalidInput):
            change = None
    published = change.published if change else None
    mine = [
        progress(conn, actor, item, values, options)
        for item in targets
        if item.indicator == target.code and _covers(parse_period(item.period), period)
    ]
    return Tile(
        indicator=target.code,
        indicator_name=indicator.name,
        value_kind=indicator.value_kind.value,
        unit=last.unit,
        decimals=indicator.decimals,
        period=last.period,
        value=last.value,
        computed=last.computed,
        source=last.source,
        rate_price_basis=indicator.price_basis.value if is_rate and indicator.price_basis else None,
        growth=change.value if change else None,
        growth_unit=change.unit if change else "%",
        growth_price_basis=_price_label(change.price_basis, last.unit) if change else None,
        base_period=change.base_period if change else None,
        published=published.value if published else None,
        published_unit=published.unit if published else None,
        published_indicator=published.indicator if published else None,
        published_price_basis=published.price_basis if published else None,
        trend=trend(values, period),
        targets=mine,
    )


def _price_label(basis: str | None, unit: str) -> str | None:
    """Current or comparable prices only mean something for money (亿元, 元/人), not for people or areas."""
    return basis if "元" in unit else None


def _covers(target: Period, actual: Period) -> bool:
    """Whether a target's period holds the actual one from its start (a year holds its year to date)."""
    return (
        target.first_month_index == actual.first_month_index
        and actual.last_month_index <= target.last_month_index
    )
