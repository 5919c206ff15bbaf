"""Values as they are offered to the store and as queries return them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple


class FactStatus(StrEnum):
    PROVISIONAL = "provisional"  # 初步
    FINAL = "final"  # 最终核实


class Role(StrEnum):
    AUTHORITATIVE = "authoritative"
    COMPETING = "competing"
    OTHER_SCOPE = "other_scope"  # kept after a conflict was resolved as a different 口径


@dataclass(frozen=True)
class FactInput:
    """One value offered for publication; `row` and `column` locate it in the submission for errors."""

    indicator: str
    region: str
    period: str
    value: Decimal | float | int | str
    unit: str | None = None
    dims: str = ""
    status: str = FactStatus.FINAL.value
    note: str = ""
    row: int | None = None
    column: str | None = None


class CheckedFact(NamedTuple):
    """A value after checking and conversion, ready to be written. A named tuple: bulk paths make millions,
    and the column-wise check builds them with tuple.__new__ without a Python call per value."""

    indicator_id: int
    indicator: str
    region_code: str
    period: str
    period_start: int
    period_end: int
    dims: str
    value: float
    status: str
    note: str
    row: int | None

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.indicator_id, self.region_code, self.period, self.dims)


@dataclass
class PublishReport:
    origin: str
    source_org: str
    authoritative: bool
    inserted: int = 0
    revised: int = 0
    unchanged: int = 0
    competing: int = 0
    conflicts: list[int] = field(default_factory=list)
    digest: str = ""
    recorded_at: dt.datetime | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "origin": self.origin,
            "source_org": self.source_org,
            "authoritative": self.authoritative,
            "inserted": self.inserted,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "competing": self.competing,
            "conflicts": len(self.conflicts),
            "sha256": self.digest,
        }


@dataclass
class FactItem:
    """One value in a query's answer: reported, or computed (summed from sub-regions, or by formula).

    Not frozen: a query builds hundreds of these per request, and a frozen dataclass's __init__ is several
    times slower; nothing changes an item after the query has made it."""

    indicator: str
    indicator_name: str
    region: str
    region_name: str
    period: str
    dims: str
    value: float | None
    unit: str
    status: str
    source: str | None
    origin: str | None
    recorded_at: dt.datetime | None
    recorded_by: str | None
    note: str
    fact_id: int | None
    definition_version: int
    computed: str | None = None  # None (reported), "sum" or "formula"
    coverage: str | None = None  # "8/9": how many sub-regions a sum covers
    computed_value: float | None = None  # the sum of sub-regions beside a reported value
    difference: float | None = None  # reported minus computed


@dataclass(frozen=True)
class Revision:
    fact_id: int
    value: float
    unit: str
    status: str
    role: str
    source: str
    origin: str
    recorded_by: str
    recorded_at: dt.datetime
    superseded_at: dt.datetime | None
    note: str
