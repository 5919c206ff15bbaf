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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.observations import changes_as_difference, computed_price_basis, point_unit
from citybase.errors import NotFound
from citybase.facts.blocks import SeriesColumns, read_columns
from citybase.indicators.catalog import IndicatorCatalog, indicator_catalog
from citybase.indicators.model import Indicator, ValueKind
from citybase.messages import N_, message
from citybase.regions.index import RegionIndex, region_index
from citybase.transform.periods import parse_period

START_BITS = 17  # a month index (year × 12 + month − 1) stays below 2**17 up to the year 9999
LENGTH_BITS = 4  # months in a period less one: 0 … 11
SERIES_SHIFT = START_BITS + LENGTH_BITS
YEAR_STEP = 12 << LENGTH_BITS  # the same months a year earlier, in key units
DENSE_LIMIT = 50_000_000  # share groups × periods up to which sums are a bincount, not a sort
PERCENT = "%"
MINIMUM_SIBLINGS = 2  # a lone reporting region is 100 % of nothing worth showing


@dataclass(frozen=True)
class StoreGrowth:
    """Growth and share of every value in `columns` (NaN where there is none)."""

    columns: SeriesColumns
    growth: npt.NDArray[np.float64]
    base_values: npt.NDArray[np.float64]
    share: npt.NDArray[np.float64]
    reporting_siblings: npt.NDArray[np.int64]
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
    """Year-on-year growth and share among siblings for every value, as columns."""
    series_count = columns.series_count
    series_of = columns.series_of_values()
    indicators = [
        found
        for number in np.unique(columns.indicator_ids).tolist()
        if (found := catalog.by_id.get(int(number))) is not None
    ]
    in_points = _per_series(columns, indicators, changes_as_difference)
    additive = _per_series(columns, indicators, shares_apply)
    parents = [parent_of(code) for code in columns.region_codes]
    lengths = (columns.ends - columns.starts).astype(np.int64)
    keys = (series_of << SERIES_SHIFT) | (columns.starts.astype(np.int64) << LENGTH_BITS) | lengths
    growth, base_values = _year_on_year(keys, columns.values, in_points[series_of])
    share, siblings = _shares(columns, series_of, lengths, additive, parents, series_count)
    return StoreGrowth(columns, growth, base_values, share, siblings, parents, indicators)


def shares_apply(indicator: Indicator) -> bool:
    """Whether a value is part of a total across regions: flows and stocks that are summed over regions."""
    return indicator.value_kind in (ValueKind.FLOW, ValueKind.STOCK) and indicator.sums_over_regions


def _per_series(
    columns: SeriesColumns, indicators: Sequence[Indicator], test: Callable[[Indicator], bool]
) -> npt.NDArray[np.bool_]:
    passing = [indicator.id for indicator in indicators if test(indicator)]
    return np.isin(columns.indicator_ids, np.asarray(passing, dtype=np.int64))


def _year_on_year(
    keys: npt.NDArray[np.int64], values: npt.NDArray[np.float64], in_points: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Keys are sorted (series, then period): the base of each value is found by binary search."""
    growth = np.full(values.size, np.nan)
    base_values = np.full(values.size, np.nan)
    if not values.size:
        return growth, base_values
    wanted = keys - YEAR_STEP
    position = np.searchsorted(keys, wanted)
    np.minimum(position, values.size - 1, out=position)
    found = keys[position] == wanted
    base = values[position]
    base_values[found] = base[found]
    as_ratio = found & ~in_points & (base > 0)
    growth[as_ratio] = (values[as_ratio] / base[as_ratio] - 1.0) * 100.0
    as_difference = found & in_points
    growth[as_difference] = values[as_difference] - base[as_difference]
    return growth, base_values


def _shares(
    columns: SeriesColumns,
    series_of: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    additive: npt.NDArray[np.bool_],
    parents: list[str | None],
    series_count: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    share = np.full(columns.value_count, np.nan)
    siblings = np.zeros(columns.value_count, dtype=np.int64)
    group_of_series = _share_groups(columns, additive, parents, series_count)
    group = group_of_series[series_of]
    taking_part = group >= 0
    if not taking_part.any():
        return share, siblings
    # Periods numbered densely by (start, length) through a table over the months actually used.
    period_keys = (columns.starts.astype(np.int64) << LENGTH_BITS) | lengths
    lowest = int(period_keys.min())
    used = np.zeros(int(period_keys.max()) - lowest + 1, dtype=np.int64)
    used[period_keys - lowest] = 1
    slot_of = np.cumsum(used) - 1
    slots = int(used.sum())
    cell = group[taking_part] * slots + slot_of[period_keys[taking_part] - lowest]
    values = columns.values[taking_part]
    groups = int(group_of_series.max()) + 1
    if groups * slots <= DENSE_LIMIT:
        totals = np.bincount(cell, weights=values, minlength=groups * slots)[cell]
        counts = np.bincount(cell, minlength=groups * slots)[cell]
    else:
        _, inverse, tally = np.unique(cell, return_inverse=True, return_counts=True)
        totals = np.bincount(inverse, weights=values)[inverse]
        counts = tally[inverse]
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where((totals > 0) & (counts >= MINIMUM_SIBLINGS), values / totals * 100.0, np.nan)
    share[taking_part] = shares
    siblings[taking_part] = counts
    return share, siblings


def _share_groups(
    columns: SeriesColumns, additive: npt.NDArray[np.bool_], parents: list[str | None], series_count: int
) -> npt.NDArray[np.int64]:
    """A group number per series — same indicator, dims and parent region — or −1 where no share applies."""
    numbering: dict[tuple[int, str, str], int] = {}
    group = np.full(series_count, -1, dtype=np.int64)
    indicator_ids = columns.indicator_ids.tolist()
    for index in np.flatnonzero(additive).tolist():
        parent = parents[index]
        if parent is None:
            continue
        key = (indicator_ids[index], columns.dims[index], parent)
        group[index] = numbering.setdefault(key, len(numbering))
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
    indicators (by code) and the regions inside `within`. Rows by indicator, then region."""
    require(actor, Permission.VIEW_FACTS)
    wanted = parse_period(period)
    catalog = indicator_catalog(conn)
    indicator_ids = [_indicator(catalog, code).id for code in indicators]
    regions = region_index(conn)
    if within is not None and regions.latest(within) is None:
        raise NotFound(message(N_("Unknown region code {code}"), code=within))

    def parent_of(code: str) -> str | None:
        region = regions.latest(code)
        return region.parent_code if region is not None else None

    computed = compute(read_columns(conn, indicator_ids or None), catalog, parent_of)
    columns = computed.columns
    chosen = np.flatnonzero(
        (columns.starts == wanted.first_month_index) & (columns.ends == wanted.last_month_index)
    )
    series_of = columns.series_of_values()
    if within is not None:
        inside = np.asarray([regions.within(code, within) for code in columns.region_codes], dtype=bool)
        chosen = chosen[inside[series_of[chosen]]] if chosen.size else chosen
    total = int(chosen.size)
    page = chosen[offset : None if limit is None else offset + limit]
    items = [
        _row(computed, catalog, regions, int(series_of[index]), int(index), str(wanted)) for index in page
    ]
    return GrowthShareTable(
        period=str(wanted),
        items=items,
        total_rows=total,
        store_values=columns.value_count,
        store_series=columns.series_count,
        store_growths=computed.growth_count,
        store_shares=computed.share_count,
        offset=offset,
    )


def _row(
    computed: StoreGrowth,
    catalog: IndicatorCatalog,
    regions: RegionIndex,
    series: int,
    index: int,
    period: str,
) -> GrowthShareRow:
    columns = computed.columns
    indicator = catalog.by_id[int(columns.indicator_ids[series])]
    region_code = columns.region_codes[series]
    region = regions.latest(region_code)
    growth = float(computed.growth[index])
    share = float(computed.share[index])
    base_value = float(computed.base_values[index])
    parent = computed.parents[series] if not np.isnan(share) else None
    parent_region = regions.latest(parent) if parent else None
    in_points = changes_as_difference(indicator)
    return GrowthShareRow(
        indicator=indicator.code,
        indicator_name=indicator.name,
        unit=indicator.unit,
        region=region_code,
        region_name=region.name if region is not None else region_code,
        dims=columns.dims[series],
        period=period,
        value=float(columns.values[index]),
        base_value=None if np.isnan(base_value) else base_value,
        growth=None if np.isnan(growth) else round(growth, 4),
        growth_unit=point_unit(indicator.unit) if in_points else PERCENT,
        price_basis=computed_price_basis(indicator),
        share=None if np.isnan(share) else round(share, 4),
        share_of=parent,
        share_of_name=parent_region.name if parent_region is not None else None,
        reporting_siblings=int(computed.reporting_siblings[index]) if parent else None,
    )


def _indicator(catalog: IndicatorCatalog, code: str) -> Indicator:
    resolved = catalog.resolve(code)
    if resolved is None:
        raise NotFound(message(N_("Unknown indicator {code}"), code=code))
    return resolved[0]
