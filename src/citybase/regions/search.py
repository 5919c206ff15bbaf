"""Finding regions by name: exact, by short name ("南山" for 南山区), by path ("深圳南山"), and fuzzy."""

from __future__ import annotations

import unicodedata

from rapidfuzz import fuzz, process
from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.regions.index import RegionIndex, region_index, short_name
from citybase.regions.model import Region, RegionMatch

FUZZY_CUTOFF = 60.0
# Typos are scored against every name, then the best few dozen are ranked with the home city first.
FUZZY_CANDIDATES = 60


def _is_path_prefix(index: RegionIndex, prefix: str, region: Region) -> bool:
    """Whether `prefix` is made of the region's ancestors' names, outermost first ("广东深圳")."""
    code = region.parent_code
    seen: set[str] = set()
    while prefix and code and code not in seen:
        seen.add(code)
        parent = index.latest(code)
        if parent is None:
            break
        for name in (parent.name, short_name(parent.name)):
            if prefix.endswith(name):
                prefix = prefix[: -len(name)]
                break
        code = parent.parent_code
    return not prefix


def search_index(
    index: RegionIndex, query: str, limit: int = 10, year: int | None = None
) -> list[RegionMatch]:
    """Score every way `query` can name a region, best first; the home city wins ties."""
    text = unicodedata.normalize("NFKC", "".join(query.split()))
    if not text:
        return []
    scored: dict[int, tuple[float, str]] = {}

    def offer(position: int, score: float, how: str) -> None:
        if score > scored.get(position, (0.0, ""))[0]:
            scored[position] = (score, how)

    if text.isdigit():
        for position, region in enumerate(index.entries):
            if region.code.startswith(text):
                offer(position, 100.0 if region.code == text else 90.0 - len(region.code), "code")
    else:
        for position in index.containing(text):
            name = index.names[position]
            if name == text:
                offer(position, 100.0, "exact")
            elif name.startswith(text):
                offer(position, 90.0 - (len(name) - len(text)), "prefix")
            else:
                offer(position, 80.0 - (len(name) - len(text)), "contains")
        for position in index.by_short.get(text, ()):
            offer(position, 97.0, "short")
        # "深圳南山", "广东省深圳市南山区": a region's own name at the end, its ancestors before it.
        for cut in range(1, len(text) - 1):
            tail = text[cut:]
            for position in (*index.by_name.get(tail, ()), *index.by_short.get(tail, ())):
                if _is_path_prefix(index, text[:cut], index.entries[position]):
                    offer(position, 96.0, "path")
        if len(scored) < limit:
            for _name, score, position in process.extract(
                text,
                index.names,
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_CUTOFF,
                limit=max(FUZZY_CANDIDATES, limit * 3),
            ):
                offer(position, min(float(score), 79.0) * 0.9, "fuzzy")
    matches = []
    for position, (score, how) in scored.items():
        region = index.entries[position]
        if year is not None and not region.valid_in(year):
            continue
        matches.append(RegionMatch(region=region, score=round(score, 1), how=how))

    def rank(match: RegionMatch) -> tuple[float, int, int, int, str]:
        region = match.region
        return (
            -match.score,
            0 if region.is_current else 1,
            0 if index.in_home(region) else 1,
            region.level.rank,
            region.code,
        )

    matches.sort(key=rank)
    return matches[:limit]


def search_regions(
    conn: Connection, actor: Actor, query: str, limit: int = 10, year: int | None = None
) -> list[RegionMatch]:
    require(actor, Permission.VIEW_REGIONS)
    return search_index(region_index(conn), query, limit=limit, year=year)
