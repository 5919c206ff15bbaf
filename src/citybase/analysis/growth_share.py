"""Growth and shares of every series at once (全库增速与占比): for each current authoritative value, its
同比 over the same months a year earlier and its share of the total of the regions under the same parent.

The whole store is computed as columns (numpy over the series blocks), then one period, indicator or
region is picked out for a table. The rules are those of the single-series calculations:

* growth is in % for levels, as a difference in 个百分点 for rates and percentage ratios, and at the price
  basis of the values (nominal unless the indicator says its values are at comparable prices); a base of
  zero or below gives no growth, never an infinite or sign-flipped one;
* a share is only worked out for indicators that add up over regions (flows and stocks summed over
  regions): the value over the sum of the same indicator, dims and period for every region with the same
  parent (占同级合计比重), with the number of those regions that reported beside it — and only where at
  least two did.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Engine, select

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.observations import changes_as_difference, computed_price_basis, point_unit
from citybase.errors import NotFound
from citybase.facts.blocks import SeriesColumns, read_columns
from citybase.indicators.catalog import IndicatorCatalog, indicator_catalog
from citybase.indicators.model import Indicator, ValueKind
from citybase.ledger.tables import ledger_head
from citybase.messages import N_, message
from citybase.regions.index import RegionIndex, region_index
from citybase.transform.periods import Period, parse_period

START_BITS = 17  # a month index (year × 12 + month − 1) stays below 2**17 up to the year 9999
LENGTH_BITS = 4  # months in a period less one: 0 … 11
SERIES_SHIFT = START_BITS + LENGTH_BITS
YEAR_STEP = 12 << LENGTH_BITS  # the same months a year earlier, in key units
DENSE_LIMIT = 2_000_000  # share groups × periods up to which cells are numbered by a table, not a sort
PERCENT = "%"
MINIMUM_SIBLINGS = 2  # a lone reporting region is 100 % of nothing worth showing


@dataclass(frozen=True)
class StoreGrowth:
    """Growth and share of every value in `columns` (NaN where there is none)."""

    columns: SeriesColumns
    growth: npt.NDArray[np.float64]
    base_values: npt.NDArray[np.float64]
    share: npt.NDArray[np.float64]
    reporting_siblings: npt.NDArray[np.int32]
    parents: list[str | None]  # per series: the region whose children a share is taken among
    indicators: list[Indicator]  # those the columns hold

    @property
    def growth_count(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.growth)))

    @property
    def share_count(self) -> int:
        return int(np.count_nonzero(~np.isnan(self.share)))


def compute(
    columns: SeriesColumns, catalog: IndicatorCatalog, parent_of: Callable[[str], str | None]
) -> StoreGrowth:
    """Year-on-year growth and share among siblings for every value, as columns.

    The values are walked in chunks of whole series (a series' base periods are in the series), so the
    temporaries stay a few megabytes and are reused, instead of a dozen arrays the size of the store: on
    this kind of machine touching fresh memory costs more than the arithmetic. Shares need the totals of
    every (group, period) cell first, so they take a second walk."""
    indicators = [
        found
        for number in np.unique(columns.indicator_ids).tolist()
        if (found := catalog.by_id.get(int(number))) is not None
    ]
    in_points = _per_series(columns, indicators, changes_as_difference)
    parent_by_region = {code: parent_of(code) for code in set(columns.region_codes)}
    parents = [parent_by_region[code] for code in columns.region_codes]
    groups = _share_groups(columns, _per_series(columns, indicators, shares_apply), parents)
    chunks = _chunks(columns.offsets)
    cells = _PeriodCells(columns, chunks, int(groups.max(initial=-1)) + 1)
    count = columns.value_count
    growth = np.empty(count)
    base_values = np.empty(count)
    cell_of = np.empty(count, dtype=np.int64)
    for first, last, low, high in chunks:
        series = np.repeat(np.arange(first, last, dtype=np.int64), np.diff(columns.offsets[first : last + 1]))
        starts, lengths = columns.starts[low:high], columns.ends[low:high] - columns.starts[low:high]
        _year_on_year(
            ((series - first) << SERIES_SHIFT) | (starts.astype(np.int64) << LENGTH_BITS) | lengths,
            columns.values[low:high],
            in_points[series],
            growth[low:high],
            base_values[low:high],
        )
        cell_of[low:high] = cells.of(groups[series], starts, lengths)
    share, siblings = cells.shares(columns, cell_of)
    return StoreGrowth(columns, growth, base_values, share, siblings, parents, indicators)


CHUNK_VALUES = 1 << 19


class Chunk(NamedTuple):
    """A run of whole series [first, last) and of their values [low, high)."""

    first: int
    last: int
    low: int
    high: int


def _chunks(offsets: npt.NDArray[np.int64]) -> list[Chunk]:
    """Runs of whole series of about CHUNK_VALUES values each."""
    bounds = np.searchsorted(offsets, np.arange(0, int(offsets[-1]), CHUNK_VALUES), side="right") - 1
    firsts = sorted(set(bounds.tolist()) | {0})
    series_count = len(offsets) - 1
    return [
        Chunk(first, last, int(offsets[first]), int(offsets[last]))
        for first, last in zip(firsts, [*firsts[1:], series_count], strict=True)
        if last > first
    ]


def shares_apply(indicator: Indicator) -> bool:
    """Whether a value is part of a total across regions: flows and stocks that are summed over regions."""
    return indicator.value_kind in (ValueKind.FLOW, ValueKind.STOCK) and indicator.sums_over_regions


def _per_series(
    columns: SeriesColumns, indicators: Sequence[Indicator], test: Callable[[Indicator], bool]
) -> npt.NDArray[np.bool_]:
    passing = [indicator.id for indicator in indicators if test(indicator)]
    return np.isin(columns.indicator_ids, np.asarray(passing, dtype=np.int64))


def _year_on_year(
    keys: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    in_points: npt.NDArray[np.bool_],
    growth: npt.NDArray[np.float64],
    base_values: npt.NDArray[np.float64],
) -> None:
    """Into `growth` and `base_values`: keys are sorted (series, then period), so the base of each value,
    the same months a year earlier, is 1, 4 or 12 places back in a gapless yearly, quarterly or monthly
    series, and found by binary search otherwise."""
    growth.fill(np.nan)
    base_values.fill(np.nan)
    if not values.size:
        return
    wanted = keys - YEAR_STEP
    position = np.full(values.size, -1, dtype=np.int64)
    for distance in (1, 4, 12):
        if distance < values.size:
            here = position[distance:]
            np.copyto(
                here,
                np.arange(values.size - distance),
                where=(keys[:-distance] == wanted[distance:]) & (here < 0),
            )
    missing = np.flatnonzero(position < 0)
    if missing.size:
        position[missing] = np.minimum(np.searchsorted(keys, wanted[missing]), values.size - 1)
    found = keys[position] == wanted
    base = values[position]
    np.copyto(base_values, base, where=found)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.copyto(growth, (values / base - 1.0) * 100.0, where=found & ~in_points & (base > 0))
    np.copyto(growth, values - base, where=found & in_points)


class _PeriodCells:
    """Shares are sums over cells — a share group (indicator, dims, parent) × a period. Periods are
    numbered densely through a table over the (start, length) pairs actually used."""

    def __init__(self, columns: SeriesColumns, chunks: list[Chunk], groups: int) -> None:
        self.groups = groups
        self.chunks = chunks
        if not columns.value_count:
            self.lowest, self.slots, self.slot_of = 0, 0, np.zeros(1, dtype=np.int64)
            return
        self.lowest = int(columns.starts.min()) << LENGTH_BITS
        highest = (int(columns.starts.max()) << LENGTH_BITS) | ((1 << LENGTH_BITS) - 1)
        used = np.zeros(highest - self.lowest + 1, dtype=np.int64)
        for _first, _last, low, high in chunks:
            used[
                self._period_keys(columns.starts[low:high], columns.ends[low:high] - columns.starts[low:high])
            ] = 1
        self.slot_of = np.cumsum(used) - 1
        self.slots = int(used.sum())

    def _period_keys(
        self, starts: npt.NDArray[np.int32], lengths: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.int64]:
        return ((starts.astype(np.int64) << LENGTH_BITS) | lengths) - self.lowest

    def of(
        self, groups: npt.NDArray[np.int64], starts: npt.NDArray[np.int32], lengths: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.int64]:
        """The cell of each value, or −1 where no share applies."""
        cell = groups * self.slots + self.slot_of[self._period_keys(starts, lengths)]
        cell[groups < 0] = -1
        return cell

    def shares(
        self, columns: SeriesColumns, cell_of: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32]]:
        share = np.full(columns.value_count, np.nan)
        siblings = np.zeros(columns.value_count, dtype=np.int32)
        cell_count = self.groups * self.slots
        if not cell_count:
            return share, siblings
        if cell_count > DENSE_LIMIT:  # too many cells for a table: number those in use
            taking_part = cell_of >= 0
            _, numbered = np.unique(cell_of[taking_part], return_inverse=True)
            cell_of = cell_of.copy()
            cell_of[taking_part] = numbered
            cell_count = int(numbered.max()) + 1
        totals = np.zeros(cell_count)
        counts = np.zeros(cell_count, dtype=np.int64)
        for low, high, part in self._parts(cell_of):
            cell = cell_of[low:high][part]
            totals += np.bincount(cell, weights=columns.values[low:high][part], minlength=cell_count)
            counts += np.bincount(cell, minlength=cell_count)
        for low, high, part in self._parts(cell_of):
            cell = cell_of[low:high][part]
            total, reporting = totals[cell], counts[cell]
            with np.errstate(divide="ignore", invalid="ignore"):
                share[low:high][part] = np.where(
                    (total > 0) & (reporting >= MINIMUM_SIBLINGS),
                    columns.values[low:high][part] / total * 100.0,
                    np.nan,
                )
            siblings[low:high][part] = reporting
        return share, siblings

    def _parts(self, cell_of: npt.NDArray[np.int64]) -> Iterator[tuple[int, int, npt.NDArray[np.bool_]]]:
        """Each chunk's values that take part in a share, as a mask over [low, high)."""
        for _first, _last, low, high in self.chunks:
            part = cell_of[low:high] >= 0
            if part.any():
                yield low, high, part


def _share_groups(
    columns: SeriesColumns, additive: npt.NDArray[np.bool_], parents: list[str | None]
) -> npt.NDArray[np.int64]:
    """A group number per series — same indicator, dims and parent region — or −1 where no share applies."""
    parent_numbers: dict[str | None, int] = {None: -1}
    for code in parents:
        parent_numbers.setdefault(code, len(parent_numbers) - 1)
    dims_numbers: dict[str, int] = {}
    for text in columns.dims:
        dims_numbers.setdefault(text, len(dims_numbers))
    parent_ids = np.fromiter((parent_numbers[code] for code in parents), np.int64, len(parents))
    dims_ids = np.fromiter((dims_numbers[text] for text in columns.dims), np.int64, len(parents))
    taking_part = additive & (parent_ids >= 0)
    group = np.full(columns.series_count, -1, dtype=np.int64)
    if taking_part.any():
        # indicator × dims × parent as one number (each below 2**21 per part), numbered densely.
        key = (columns.indicator_ids << 42) | (dims_ids << 21) | parent_ids
        _, group[taking_part] = np.unique(key[taking_part], return_inverse=True)
    return group


@dataclass(frozen=True)
class GrowthShareRow:
    indicator: str
    indicator_name: str
    unit: str
    region: str
    region_name: str
    dims: str
    period: str
    value: float
    base_value: float | None
    growth: float | None
    growth_unit: str
    price_basis: str | None
    share: float | None
    share_of: str | None
    share_of_name: str | None
    reporting_siblings: int | None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class GrowthShareTable:
    period: str
    items: list[GrowthShareRow]
    total_rows: int
    store_values: int
    store_series: int
    store_growths: int
    store_shares: int
    offset: int = 0

    def rows(self) -> list[dict[str, Any]]:
        return [item.as_dict() for item in self.items]

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "total": self.total_rows,
            "offset": self.offset,
            "store": {
                "values": self.store_values,
                "series": self.store_series,
                "growths": self.store_growths,
                "shares": self.store_shares,
            },
            "items": self.rows(),
        }


def growth_share_table(
    conn: Connection,
    actor: Actor,
    *,
    period: str,
    indicators: Sequence[str] = (),
    within: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> GrowthShareTable:
    """Every value of `period` with its 同比 and share, computed over the whole store; optionally only some
    indicators (by code) and the regions inside `within`. Rows by indicator, then region.

    The values picked out are kept for the next pages while nothing is recorded in the ledger (every change
    to a value, an indicator or a region is), so paging through a large store computes it once."""
    require(actor, Permission.VIEW_FACTS)
    wanted = parse_period(period)
    catalog = indicator_catalog(conn)
    indicator_ids = tuple(_indicator(catalog, code).id for code in indicators)
    regions = region_index(conn)
    if within is not None and regions.latest(within) is None:
        raise NotFound(message(N_("Unknown region code {code}"), code=within))
    key = (_ledger_head(conn), str(wanted), indicator_ids, within)
    with _lock:
        kept = _selections.setdefault(conn.engine, OrderedDict())
        selection = kept.get(key)
    if selection is None:
        selection = _select(conn, catalog, regions, wanted, indicator_ids, within)
        with _lock:
            kept[key] = selection
            while len(kept) > KEPT_SELECTIONS:
                kept.popitem(last=False)
    chosen = range(len(selection.series))[offset : None if limit is None else offset + limit]
    return GrowthShareTable(
        period=selection.period,
        items=[_row(selection, position, catalog, regions) for position in chosen],
        total_rows=len(selection.series),
        store_values=selection.store_values,
        store_series=selection.store_series,
        store_growths=selection.store_growths,
        store_shares=selection.store_shares,
        offset=offset,
    )


KEPT_SELECTIONS = 8  # per database


@dataclass(frozen=True)
class _Selection:
    """The values of one period (and filters) with their growth and share, cut out of a whole-store run."""

    period: str
    series: list[tuple[int, str, str, str | None]]  # per value: indicator id, region, dims, parent
    values: npt.NDArray[np.float64]
    base_values: npt.NDArray[np.float64]
    growth: npt.NDArray[np.float64]
    share: npt.NDArray[np.float64]
    siblings: npt.NDArray[np.int32]
    store_values: int
    store_series: int
    store_growths: int
    store_shares: int


_selections: weakref.WeakKeyDictionary[Engine, OrderedDict[tuple[Any, ...], _Selection]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def _ledger_head(conn: Connection) -> tuple[int, str]:
    """The ledger's last entry: its number and hash (a database wiped and loaded again may reach the same
    number, never the same hash)."""
    head = conn.execute(
        select(ledger_head.c.seq, ledger_head.c.entry_hash).where(ledger_head.c.id == 1)
    ).one()
    return int(head.seq), str(head.entry_hash)


def _select(
    conn: Connection,
    catalog: IndicatorCatalog,
    regions: RegionIndex,
    wanted: Period,
    indicator_ids: tuple[int, ...],
    within: str | None,
) -> _Selection:
    def parent_of(code: str) -> str | None:
        region = regions.latest(code)
        return region.parent_code if region is not None else None

    computed = compute(read_columns(conn, list(indicator_ids) or None), catalog, parent_of)
    columns = computed.columns
    chosen = np.flatnonzero(
        (columns.starts == wanted.first_month_index) & (columns.ends == wanted.last_month_index)
    )
    series_of = columns.series_of_values()[chosen]
    if within is not None and chosen.size:
        inside = np.asarray([regions.within(code, within) for code in columns.region_codes], dtype=bool)
        kept = inside[series_of]
        chosen, series_of = chosen[kept], series_of[kept]
    indicator_ids_of = columns.indicator_ids.tolist()
    return _Selection(
        period=str(wanted),
        series=[
            (
                indicator_ids_of[series],
                columns.region_codes[series],
                columns.dims[series],
                computed.parents[series],
            )
            for series in series_of.tolist()
        ],
        values=columns.values[chosen],
        base_values=computed.base_values[chosen],
        growth=computed.growth[chosen],
        share=computed.share[chosen],
        siblings=computed.reporting_siblings[chosen],
        store_values=columns.value_count,
        store_series=columns.series_count,
        store_growths=computed.growth_count,
        store_shares=computed.share_count,
    )


def _row(
    selection: _Selection, position: int, catalog: IndicatorCatalog, regions: RegionIndex
) -> GrowthShareRow:
    indicator_id, region_code, dims, parent = selection.series[position]
    indicator = catalog.by_id[indicator_id]
    region = regions.latest(region_code)
    growth = float(selection.growth[position])
    share = float(selection.share[position])
    base_value = float(selection.base_values[position])
    share_of = parent if not np.isnan(share) else None
    parent_region = regions.latest(share_of) if share_of else None
    in_points = changes_as_difference(indicator)
    return GrowthShareRow(
        indicator=indicator.code,
        indicator_name=indicator.name,
        unit=indicator.unit,
        region=region_code,
        region_name=region.name if region is not None else region_code,
        dims=dims,
        period=selection.period,
        value=float(selection.values[position]),
        base_value=None if np.isnan(base_value) else base_value,
        growth=None if np.isnan(growth) else round(growth, 4),
        growth_unit=point_unit(indicator.unit) if in_points else PERCENT,
        price_basis=computed_price_basis(indicator),
        share=None if np.isnan(share) else round(share, 4),
        share_of=share_of,
        share_of_name=parent_region.name if parent_region is not None else None,
        reporting_siblings=int(selection.siblings[position]) if share_of else None,
    )


def _indicator(catalog: IndicatorCatalog, code: str) -> Indicator:
    resolved = catalog.resolve(code)
    if resolved is None:
        raise NotFound(message(N_("Unknown indicator {code}"), code=code))
    return resolved[0]
