"""Finding regions by name: exact, by short name ("南山" for 南山区), by path ("深圳南山"), and fuzzy.

Search runs over an in-memory index of every region version, rebuilt when the regions revision
counter in the database moves, so a lookup costs one small query plus work in memory.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, Engine, select

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.regions.model import Region, RegionMatch
from citybase.regions.service import to_region
from citybase.regions.tables import regions
from citybase.site import HOME_REGION, REGIONS_REVISION, get_settings

# Longest first, so "自治县" is stripped before "县".
_SUFFIXES = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
    "林区", "特区", "新区", "地区", "街道", "省", "市", "区", "县", "镇", "乡", "盟", "旗",
)
FUZZY_CUTOFF = 60.0


def short_name(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@dataclass
class RegionIndex:
    revision: str
    home: str | None
    by_code: dict[str, Region] = field(default_factory=dict)
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
        for position, region in enumerate(rows):
            index.entries.append(region)
            index.names.append(region.name)
            index.by_name.setdefault(region.name, []).append(position)
            index.by_short.setdefault(short_name(region.name), []).append(position)
            index.line_starts.append(offset)
            offset += len(region.name) + 1
            known = index.by_code.get(region.code)
            if known is None or (known.valid_to is not None and (region.valid_to is None
                                                                  or region.valid_to > known.valid_to)):
                index.by_code[region.code] = region
        index.haystack = "\n".join(index.names) + "\n"
        return index

    def _containing(self, text: str) -> list[int]:
        found: list[int] = []
        start = self.haystack.find(text)
        while start != -1:
            position = bisect.bisect_right(self.line_starts, start) - 1
            found.append(position)
            start = self.haystack.find(text, self.line_starts[position] + len(self.names[position]) + 1)
        return found

    def _in_home(self, region: Region) -> bool:
        if not self.home:
            return False
        seen: set[str] = set()
        code: str | None = region.code
        while code and code not in seen:
            if code == self.home:
                return True
            seen.add(code)
            parent = self.by_code.get(code)
            code = parent.parent_code if parent else None
        return False

    def _is_path_prefix(self, prefix: str, region: Region) -> bool:
        """Whether `prefix` is made of the region's ancestors' names, outermost first ("广东深圳")."""
        code = region.parent_code
        seen: set[str] = set()
        while prefix and code and code in self.by_code and code not in seen:
            seen.add(code)
            parent = self.by_code[code]
            for name in (parent.name, short_name(parent.name)):
                if prefix.endswith(name):
                    prefix = prefix[: -len(name)]
                    break
            code = parent.parent_code
        return not prefix

    def search(self, query: str, limit: int = 10, year: int | None = None) -> list[RegionMatch]:
        text = "".join(query.split())
        if not text:
            return []
        scored: dict[int, tuple[float, str]] = {}

        def offer(position: int, score: float, how: str) -> None:
            if score > scored.get(position, (0.0, ""))[0]:
                scored[position] = (score, how)

        if text.isdigit():
            for position, region in enumerate(self.entries):
                if region.code.startswith(text):
                    offer(position, 100.0 if region.code == text else 90.0 - len(region.code), "code")
        else:
            for position in self._containing(text):
                name = self.names[position]
                if name == text:
                    offer(position, 100.0, "exact")
                elif name.startswith(text):
                    offer(position, 90.0 - (len(name) - len(text)), "prefix")
                else:
                    offer(position, 80.0 - (len(name) - len(text)), "contains")
            for position in self.by_short.get(text, ()):
                offer(position, 97.0, "short")
            # "深圳南山", "广东省深圳市南山区": a region's own name at the end, its ancestors before it.
            for cut in range(1, len(text) - 1):
                tail = text[cut:]
                for position in (*self.by_name.get(tail, ()), *self.by_short.get(tail, ())):
                    if self._is_path_prefix(text[:cut], self.entries[position]):
                        offer(position, 96.0, "path")
            if len(scored) < limit:
                for _name, score, position in process.extract(
                    text, self.names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=limit * 3
                ):
                    offer(position, min(float(score), 79.0) * 0.9, "fuzzy")
        matches = []
        for position, (score, how) in scored.items():
            region = self.entries[position]
            if year is not None and not region.valid_in(year):
                continue
            matches.append((position, RegionMatch(region=region, score=round(score, 1), how=how)))
        matches.sort(key=lambda item: self._rank(item[1]))
        return [match for _, match in matches[:limit]]

    def _rank(self, match: RegionMatch) -> tuple[float, int, int, int, str]:
        region = match.region
        return (
            -match.score,
            0 if region.is_current else 1,
            0 if self._in_home(region) else 1,
            region.level.rank,
            region.code,
        )


_cache: weakref.WeakKeyDictionary[Engine, RegionIndex] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def region_index(conn: Connection) -> RegionIndex:
    """The search index for this database, rebuilt when the regions revision or home region changed."""
    stored = get_settings(conn, REGIONS_REVISION, HOME_REGION)
    revision, home = stored.get(REGIONS_REVISION, "0"), stored.get(HOME_REGION)
    key = conn.engine
    index = _cache.get(key)
    if index is not None and index.revision == revision and index.home == home:
        return index
    rows = [to_region(row._mapping) for row in conn.execute(select(regions).order_by(regions.c.id))]
    index = RegionIndex.build(rows, revision, home)
    with _lock:
        _cache[key] = index
    return index


def search_regions(
    conn: Connection, actor: Actor, query: str, limit: int = 10, year: int | None = None
) -> list[RegionMatch]:
    require(actor, Permission.VIEW_REGIONS)
    return region_index(conn).search(query, limit=limit, year=year)
