"""What the rule evaluator reads besides the submission: the store's current values and the region tree."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Connection, and_, select

from citybase.audit.model import Key
from citybase.facts.tables import facts
from citybase.indicators.catalog import IndicatorCatalog
from citybase.regions.index import RegionIndex

# Bound parameters per query stay well under SQLite's limit.
_CHUNK = 500


@dataclass
class DatabaseStore:
    """Current authoritative values, fetched in bulk by indicator, region and month range."""

    conn: Connection
    catalog: IndicatorCatalog
    queries: int = 0

    def fetch(
        self, indicators: set[str], regions: set[str], first_month: int, last_month: int
    ) -> dict[Key, float]:
        ids = {
            resolved[0].id: resolved[0].code
            for resolved in (self.catalog.resolve(code) for code in indicators)
            if resolved is not None
        }
        if not ids or not regions:
            return {}
        found: dict[Key, float] = {}
        region_list = sorted(regions)
        for offset in range(0, len(region_list), _CHUNK):
            chunk = region_list[offset : offset + _CHUNK]
            self.queries += 1
            rows = self.conn.execute(
                select(
                    facts.c.indicator_id, facts.c.region_code, facts.c.period, facts.c.dims, facts.c.value
                ).where(
                    facts.c.indicator_id.in_(ids),
                    facts.c.region_code.in_(chunk),
                    facts.c.period_start >= first_month,
                    facts.c.period_end <= last_month,
                    _current(),
                )
            )
            for indicator_id, region, period, dims, value in rows:
                found[(ids[indicator_id], region, period, dims)] = value
        return found

    def fetch_all(self, indicator: str, first_month: int, last_month: int) -> dict[Key, float]:
        """Every current value of one indicator in a month range, whatever the region (for trial runs)."""
        resolved = self.catalog.resolve(indicator)
        if resolved is None:
            return {}
        code = resolved[0].code
        rows = self.conn.execute(
            select(facts.c.region_code, facts.c.period, facts.c.dims, facts.c.value).where(
                facts.c.indicator_id == resolved[0].id,
                facts.c.period_start >= first_month,
                facts.c.period_end <= last_month,
                _current(),
            )
        )
        return {(code, region, period, dims): value for region, period, dims, value in rows}


def _current() -> ColumnElement[bool]:
    return and_(facts.c.superseded_at.is_(None), facts.c.role == "authoritative")


@dataclass
class IndexRegions:
    """Current child regions, from the in-memory region index."""

    index: RegionIndex
    _memo: dict[str, list[str]] = field(default_factory=dict)

    def children(self, code: str) -> list[str]:
        found = self._memo.get(code)
        if found is None:
            found = self._memo[code] = [region.code for region in self.index.children_of(code)]
        return found
