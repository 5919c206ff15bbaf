"""Region records as the rest of CityBase sees them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from citybase.messages import N_


class Level(StrEnum):
    COUNTRY = "country"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_RANK = {level: rank for rank, level in enumerate(Level)}
_LABELS = {
    Level.COUNTRY: N_("country"),
    Level.PROVINCE: N_("province"),
    Level.CITY: N_("prefecture"),
    Level.COUNTY: N_("county"),
    Level.TOWNSHIP: N_("township"),
}


class ChangeKind(StrEnum):
    MERGED = "merged"
    SPLIT = "split"
    RENAMED = "renamed"
    RECODED = "recoded"
    ESTABLISHED = "established"
    ABOLISHED = "abolished"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: Level
    parent_code: str | None
    valid_from: int | None
    valid_to: int | None

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= year) and (
            self.valid_to is None or year <= self.valid_to
        )


@dataclass(frozen=True)
class RegionChange:
    year: int
    kind: ChangeKind
    old_code: str | None
    new_code: str | None
    note: str


@dataclass(frozen=True)
class RegionMatch:
    region: Region
    score: float
    how: str
