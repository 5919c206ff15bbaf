"""Indicator definitions as the rest of CityBase sees them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from citybase.transform.periods import Frequency


class ValueKind(StrEnum):
    FLOW = "flow"
    STOCK = "stock"
    RATIO = "ratio"
    INDEX = "index"
    GROWTH_RATE = "growth_rate"


class RegionAggregation(StrEnum):
    SUM = "sum"
    WEIGHTED_MEAN = "weighted_mean"
    NONE = "none"


class TimeAggregation(StrEnum):
    SUM = "sum"
    LAST = "last"
    WEIGHTED_MEAN = "weighted_mean"
    NONE = "none"


class PriceBasis(StrEnum):
    """Whether values (or a growth rate) are at comparable prices (可比价) or current prices (现价)."""

    COMPARABLE = "comparable"
    NOMINAL = "nominal"


class Status(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


DEFAULT_AGGREGATION: dict[ValueKind, tuple[RegionAggregation, TimeAggregation]] = {
    ValueKind.FLOW: (RegionAggregation.SUM, TimeAggregation.SUM),
    ValueKind.STOCK: (RegionAggregation.SUM, TimeAggregation.LAST),
    ValueKind.RATIO: (RegionAggregation.NONE, TimeAggregation.NONE),
    ValueKind.INDEX: (RegionAggregation.NONE, TimeAggregation.NONE),
    ValueKind.GROWTH_RATE: (RegionAggregation.NONE, TimeAggregation.NONE),
}


@dataclass(frozen=True)
class IndicatorVersion:
    version: int
    effective_from: dt.date
    definition: str
    notes: str
    unit: str
    formula: str | None
    change_note: str
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class Indicator:
    id: int
    code: str
    name: str
    name_en: str
    category: str | None
    unit: str
    frequency: Frequency
    value_kind: ValueKind
    region_aggregation: RegionAggregation
    time_aggregation: TimeAggregation
    weight_indicator: str | None
    decimals: int
    min_value: float | None
    max_value: float | None
    authoritative_org: str
    authoritative_org_id: int
    status: Status
    formula: str | None
    definition: str
    notes: str
    version: int
    effective_from: dt.date
    reporters: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    growth_of: str | None = None  # the level indicator whose published growth rate this is
    price_basis: PriceBasis | None = None

    @property
    def is_derived(self) -> bool:
        return self.formula is not None

    @property
    def sums_over_regions(self) -> bool:
        return self.region_aggregation is RegionAggregation.SUM

    @property
    def sums_over_time(self) -> bool:
        return self.time_aggregation is TimeAggregation.SUM


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    name_en: str
    parent: str | None
    notes: str = ""


@dataclass(frozen=True)
class DimensionMember:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str
    name_en: str
    members: tuple[DimensionMember, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Alias:
    """Another code under which a source publishes an indicator: another unit, a year-to-date basis, or one
    category of a disaggregation (GDP_10K is GDP in 万元; POP_HUKOU_MALE is POP_HUKOU for SEX=M)."""

    alias: str
    indicator: str
    unit: str | None
    dims: str
    cumulative: bool
    note: str
