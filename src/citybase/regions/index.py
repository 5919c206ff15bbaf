"""An in-memory index of every region version, shared by lookups and search.

The whole division list (a few thousand rows) is read once per database and kept until the regions
revision stored in the database changes, so a lookup costs one tiny query plus work in memory. The
revision is a random token, not a counter, so an index built inside a transaction that was later rolled
back can never be mistaken for a committed state.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select

from citybase.regions.model import Level, Region
from citybase.regions.tables import regions
from citybase.site import HOME_REGION, REGIONS_REVISION, get_settings

# Longest first, so "自治县" is stripped before "县".
_SUFFIXES = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
    "林区", "特区", "新区", "地区", "街道", "省", "市", "区", "县", "镇", "乡", "盟", "旗",
)  # fmt: skip


# The suffixes a name ends with are each the end of the next longer one, and _SUFFIXES lists the longer
# first, so trying lengths from the longest down finds the suffix the list would: one set lookup per length.
_SUFFIX_SET = frozenset(_SUFFIXES)
_SUFFIX_LENGTHS = tuple(sorted({len(suffix) for suffix in _SUFFIXES}, reverse=True))
_LEVELS = {level.value: level for level in Level}


def short_name(name: str) -> str:
    """The name without its administrative suffix (南山区 → 南山), as people say it."""
    for length in _SUFFIX_LENGTHS:
        if len(name) > length + 1 and name[-length:] in _SUFFIX_SET:
            return name[:-length]
    return name


def to_region(row: Mapping[Any, Any]) -> Region:
    return Region(
        code=row["code"],
        name=row["name"],
        level=Level(row["level"]),
        parent_code=row["parent_code"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
    )


@dataclass
class RegionIndex:
    revision: str
    home: str | None
    versions: dict[str, list[Region]] = field(default_factory=dict)
    children: dict[str, list[Region]] = field(default_factory=dict)
    entries: list[Region] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    by_short: dict[str, list[int]] = field(default_factory=dict)
    # Every name on one line of a single string, so "contains" runs as str.find in C.
    haystack: str = ""
    line_starts: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, rows: list[Region], revision: str, home: str | None) -> RegionIndex:
        index = cls(revision=revision, home=home)
        offset = 0
        for position, region in enumerate(sorted(rows, key=lambda item: (item.code, item.valid_from or 0))):
            index.entries.append(region)
            index.names.append(region.name)
            index.by_name.setdefault(region.name, []).append(position)
            index.by_short.setdefault(short_name(region.name), []).append(position)
            index.line_starts.append(offset)
            offset += len(region.name) + 1
            index.versions.setdefault(region.code, []).append(region)
            if region.parent_code:
                index.children.setdefault(region.parent_code, []).append(region)
        index.haystack = "\n".join(index.names) + "\n"
        return index

    def latest(self, code: str) -> Region | None:
        """The current version of a code, or else its most recently retired one."""
        found = self.versions.get(code)
        if not found:
            return None
        current = [region for region in found if region.is_current]
        return current[0] if current else max(found, key=lambda region: region.valid_to or 0)

    def valid_version(self, code: str, year: int) -> Region | None:
        return next((region for region in self.versions.get(code, ()) if region.valid_in(year)), None)

    def children_of(self, code: str, year: int | None = None) -> list[Region]:
        kids = self.children.get(code, [])
        if year is None:
            return [region for region in kids if region.is_current]
        return [region for region in kids if region.valid_in(year)]

    def containing(self, text: str) -> list[int]:
        """Positions of every name that contains `text`."""
        found: list[int] = []
        start = self.haystack.find(text)
        while start != -1:
            position = bisect.bisect_right(self.line_starts, start) - 1
            found.append(position)
            start = self.haystack.find(text, self.line_starts[position] + len(self.names[position]) + 1)
        return found

    def in_home(self, region: Region) -> bool:
        """Whether the region lies in the city this instance serves."""
        return bool(self.home) and self.within(region.code, self.home or "")

    def within(self, code: str, area: str) -> bool:
        """Whether `code` is `area` or lies inside it, following each region's latest parent."""
        seen: set[str] = set()
        current: str | None = code
        while current and current not in seen:
            if current == area:
                return True
            seen.add(current)
            parent = self.latest(current)
            current = parent.parent_code if parent else None
        return False


_cache: weakref.WeakKeyDictionary[Engine, RegionIndex] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def region_index(conn: Connection) -> RegionIndex:
    """The index for this database, rebuilt when the regions revision or the home region changed."""
    stored = get_settings(conn, REGIONS_REVISION, HOME_REGION)
    revision, home = stored.get(REGIONS_REVISION, ""), stored.get(HOME_REGION)
    index = _cache.get(conn.engine)
    if index is not None and index.revision == revision and index.home == home:
        return index
    columns = (regions.c.code, regions.c.name, regions.c.level, regions.c.parent_code)
    found = conn.execute(select(*columns, regions.c.valid_from, regions.c.valid_to)).all()
    # Built from plain tuples (the level looked up in a dict): the index is built in every new process.
    rows = [
        Region(code, name, _LEVELS.get(level) or Level(level), parent, valid_from, valid_to)
        for code, name, level, parent, valid_from, valid_to in found
    ]
    index = RegionIndex.build(rows, revision, home)
    with _lock:
        _cache[conn.engine] = index
    return index
