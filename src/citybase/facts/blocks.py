"""Series blocks: the current authoritative values of each series packed as columns, one row per series.

Every write that changes a current authoritative value merges it into its series' block in the same
transaction (`merge_values`), so a reader of the blocks sees exactly what a reader of `facts` sees.
Whole-store analysis (growth and shares of every series) reads one row per series and unpacks the columns
with numpy, instead of turning millions of rows into Python objects.

A block holds `length` values in period order: `packed_periods` is (period_start, period_end) pairs of
little-endian int32 month indexes, `packed_values` the matching little-endian float64 values.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from sys import byteorder
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, and_, delete, select

from citybase.facts.model import Role
from citybase.facts.tables import facts, series_blocks
from citybase.storage.bulk import bulk_insert

SeriesKey = tuple[int, str, str]  # indicator_id, region_code, dims
# One new current value: indicator_id, region_code, dims, period_start, period_end, value.
CurrentValue = tuple[int, str, str, int, int, float]
BLOCK_COLUMNS = ("indicator_id", "region_code", "dims", "length", "packed_periods", "packed_values")
KEYS_PER_QUERY = 500
PERIOD_TYPE = np.dtype("<i4")
VALUE_TYPE = np.dtype("<f8")
LITTLE_ENDIAN = byteorder == "little"


@dataclass(frozen=True)
class SeriesColumns:
    """Blocks unpacked: per series its key and the slice [offsets[i], offsets[i + 1]) of the value
    columns, series in (indicator_id, region_code, dims) order and each series' values in period order."""

    indicator_ids: npt.NDArray[np.int64]
    region_codes: list[str]
    dims: list[str]
    offsets: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int32]
    ends: npt.NDArray[np.int32]
    values: npt.NDArray[np.float64]

    @property
    def series_count(self) -> int:
        return len(self.region_codes)

    @property
    def value_count(self) -> int:
        return int(self.values.size)

    def series_of_values(self) -> npt.NDArray[np.int64]:
        """The series index of each value."""
        return np.repeat(np.arange(self.series_count, dtype=np.int64), np.diff(self.offsets))


def pack(points: Iterable[tuple[tuple[int, int], float]]) -> tuple[int, bytes, bytes]:
    """(length, periods, values) of a block from ((start, end), value) pairs already in period order."""
    periods = array("i")
    values = array("d")
    for (start, end), value in points:
        periods.append(start)
        periods.append(end)
        values.append(value)
    if not LITTLE_ENDIAN:
        periods.byteswap()
        values.byteswap()
    return len(values), periods.tobytes(), values.tobytes()


def unpack(periods: bytes, values: bytes) -> dict[tuple[int, int], float]:
    """A block's values by (period_start, period_end)."""
    bounds = np.frombuffer(periods, dtype=PERIOD_TYPE).reshape(-1, 2).tolist()
    numbers = np.frombuffer(values, dtype=VALUE_TYPE).tolist()
    return {(start, end): value for (start, end), value in zip(bounds, numbers, strict=True)}


def merge_values(conn: Connection, changed: Iterable[CurrentValue]) -> None:
    """Merge values that have just become current into their series' blocks (a later value for the same
    period replaces an earlier one). Call it in the transaction that wrote them."""
    by_series: dict[SeriesKey, dict[tuple[int, int], float]] = defaultdict(dict)
    for indicator_id, region_code, dims, start, end, value in changed:
        by_series[(indicator_id, region_code, dims)][(start, end)] = value
    if not by_series:
        return
    stored = _take_stored(conn, sorted({key[0] for key in by_series}), sorted({key[1] for key in by_series}))
    rows: list[tuple[Any, ...]] = [
        (*key, len(values) // VALUE_TYPE.itemsize, periods, values)
        for key, (periods, values) in stored.items()
        if key not in by_series
    ]
    for key, points in by_series.items():
        if key in stored:
            points = {**unpack(*stored[key]), **points}
        rows.append((*key, *pack(sorted(points.items()))))
    bulk_insert(conn, series_blocks.name, BLOCK_COLUMNS, rows)


def _take_stored(
    conn: Connection, indicator_ids: Sequence[int], regions: Sequence[str]
) -> dict[SeriesKey, tuple[bytes, bytes]]:
    """Read and delete the stored blocks of these indicators in these regions (every dims: the caller
    writes back each one it does not replace), a few hundred indicators and regions per query."""
    stored: dict[SeriesKey, tuple[bytes, bytes]] = {}
    for first_indicator in range(0, len(indicator_ids), KEYS_PER_QUERY):
        for first_region in range(0, len(regions), KEYS_PER_QUERY):
            scope = and_(
                series_blocks.c.indicator_id.in_(
                    indicator_ids[first_indicator : first_indicator + KEYS_PER_QUERY]
                ),
                series_blocks.c.region_code.in_(regions[first_region : first_region + KEYS_PER_QUERY]),
            )
            before = len(stored)
            for row in conn.execute(
                select(
                    series_blocks.c.indicator_id,
                    series_blocks.c.region_code,
                    series_blocks.c.dims,
                    series_blocks.c.packed_periods,
                    series_blocks.c.packed_values,
                ).where(scope)
            ):
                key = (row.indicator_id, row.region_code, row.dims)
                stored[key] = (bytes(row.packed_periods), bytes(row.packed_values))
            if len(stored) > before:
                conn.execute(delete(series_blocks).where(scope))
    return stored


def rebuild(conn: Connection) -> int:
    """Rebuild every block from `facts` (after a restore, or to repair); returns the number of series."""
    conn.execute(delete(series_blocks))
    current = conn.execute(
        select(
            facts.c.indicator_id,
            facts.c.region_code,
            facts.c.dims,
            facts.c.period_start,
            facts.c.period_end,
            facts.c.value,
        )
        .where(facts.c.superseded_at.is_(None), facts.c.role == Role.AUTHORITATIVE.value)
        .order_by(
            facts.c.indicator_id, facts.c.region_code, facts.c.dims, facts.c.period_start, facts.c.period_end
        )
    )
    rows: list[tuple[Any, ...]] = []
    series = 0
    key: SeriesKey | None = None
    points: list[tuple[tuple[int, int], float]] = []
    for row in current:
        row_key = (row.indicator_id, row.region_code, row.dims)
        if row_key != key:
            if key is not None:
                rows.append((*key, *pack(points)))
            key, points = row_key, []
        points.append(((row.period_start, row.period_end), row.value))
        if len(rows) >= 10_000:
            bulk_insert(conn, series_blocks.name, BLOCK_COLUMNS, rows)
            series += len(rows)
            rows = []
    if key is not None:
        rows.append((*key, *pack(points)))
    bulk_insert(conn, series_blocks.name, BLOCK_COLUMNS, rows)
    return series + len(rows)


def read_columns(conn: Connection, indicator_ids: Sequence[int] | None = None) -> SeriesColumns:
    """Every block (or those of some indicators), unpacked into columns. Reads through the driver's own
    cursor: one row per series, the values stay bytes until numpy reads them."""
    sql = "SELECT indicator_id, region_code, dims, length, packed_periods, packed_values FROM series_blocks"
    parameters: tuple[Any, ...] = ()
    if indicator_ids is not None:
        if not indicator_ids:
            return _columns([], [], [], [], [], [])
        marker = "%s" if conn.dialect.name == "postgresql" else "?"
        sql += f" WHERE indicator_id IN ({', '.join(marker for _ in indicator_ids)})"
        parameters = tuple(int(number) for number in indicator_ids)
    sql += " ORDER BY indicator_id, region_code, dims"
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return _columns([], [], [], [], [], [])
    indicator_column, region_column, dims_column, lengths, periods, values = map(
        list, zip(*rows, strict=True)
    )
    return _columns(indicator_column, region_column, dims_column, lengths, periods, values)


def _columns(
    indicator_column: list[int],
    region_column: list[str],
    dims_column: list[str],
    lengths: list[int],
    periods: list[bytes],
    values: list[bytes],
) -> SeriesColumns:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64), out=offsets[1:])
    bounds = np.frombuffer(b"".join(periods), dtype=PERIOD_TYPE).reshape(-1, 2)
    return SeriesColumns(
        indicator_ids=np.asarray(indicator_column, dtype=np.int64),
        region_codes=region_column,
        dims=dims_column,
        offsets=offsets,
        # Views of the joined bytes, not copies (read-only: nothing writes to them).
        starts=bounds[:, 0],
        ends=bounds[:, 1],
        values=np.frombuffer(b"".join(values), dtype=VALUE_TYPE),
    )
