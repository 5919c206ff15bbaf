"""The column computation of growth and shares against a plain reference written value by value, on
random series of every frequency with gaps, rates, breakdowns and regions without a parent — in one chunk
and in many, with cells numbered by a table and by a sort."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from citybase.analysis import growth_share
from citybase.facts.blocks import SeriesColumns
from citybase.indicators.model import RegionAggregation, ValueKind

PARENTS = {"440303": "440300", "440304": "440300", "440305": "440300", "440300": "440000", "999999": None}


@dataclass(frozen=True)
class FakeIndicator:
    id: int
    value_kind: ValueKind
    unit: str
    region_aggregation: RegionAggregation

    @property
    def sums_over_regions(self) -> bool:
        return self.region_aggregation is RegionAggregation.SUM


@dataclass
class FakeCatalog:
    by_id: dict[int, Any]


INDICATORS = {
    1: FakeIndicator(1, ValueKind.FLOW, "亿元", RegionAggregation.SUM),
    2: FakeIndicator(2, ValueKind.STOCK, "万人", RegionAggregation.SUM),
    3: FakeIndicator(3, ValueKind.GROWTH_RATE, "%", RegionAggregation.NONE),
    4: FakeIndicator(4, ValueKind.RATIO, "%", RegionAggregation.WEIGHTED_MEAN),
    5: FakeIndicator(5, ValueKind.FLOW, "亿元", RegionAggregation.NONE),
}
FREQUENCIES = {"year": (12, 1), "quarter": (3, 4), "month": (1, 12), "ytd": (0, 4)}


def random_columns(seed: int) -> SeriesColumns:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    rows: list[tuple[int, str, str, list[tuple[int, int, float]]]] = []
    for indicator in INDICATORS:
        for region in PARENTS:
            for dims in ("", "SEX=F"):
                if rng.random() < 0.3:
                    continue
                frequency = rng.choice(list(FREQUENCIES))
                months, per_year = FREQUENCIES[frequency]
                points = []
                for year in range(2015, 2015 + rng.randint(1, 6)):
                    for step in range(per_year):
                        if rng.random() < 0.15:
                            continue  # a gap
                        if frequency == "ytd":
                            start, end = year * 12, year * 12 + 3 * step + 2
                        else:
                            start = year * 12 + step * months
                            end = start + months - 1
                        value = rng.choice([0.0, -3.0, 1.5, rng.uniform(-5, 500), rng.uniform(1, 50)])
                        points.append((start, end, round(value, 2)))
                if points:
                    rows.append((indicator, region, dims, sorted(points)))
    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    offsets = np.cumsum([0] + [len(points) for *_, points in rows]).astype(np.int64)
    flat = [point for *_, points in rows for point in points]
    return SeriesColumns(
        indicator_ids=np.asarray([row[0] for row in rows], dtype=np.int64),
        region_codes=[row[1] for row in rows],
        dims=[row[2] for row in rows],
        offsets=offsets,
        starts=np.asarray([point[0] for point in flat], dtype=np.int32),
        ends=np.asarray([point[1] for point in flat], dtype=np.int32),
        values=np.asarray([point[2] for point in flat], dtype=np.float64),
    )


def reference(columns: SeriesColumns) -> tuple[list[float | None], list[float | None], list[int]]:
    """Growth, share and reporting siblings, one value at a time with dictionaries."""
    by_key: dict[tuple[int, int, int], float] = {}
    places = []
    for series in range(columns.series_count):
        for index in range(int(columns.offsets[series]), int(columns.offsets[series + 1])):
            key = (series, int(columns.starts[index]), int(columns.ends[index]))
            by_key[key] = float(columns.values[index])
            places.append((series, *key[1:], float(columns.values[index])))
    totals: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    cells = []
    for series, start, end, value in places:
        indicator = INDICATORS[int(columns.indicator_ids[series])]
        parent = PARENTS[columns.region_codes[series]]
        additive = indicator.value_kind in (ValueKind.FLOW, ValueKind.STOCK) and indicator.sums_over_regions
        cell = (indicator.id, columns.dims[series], parent, start, end) if additive and parent else None
        if cell is not None:
            totals[cell].append(value)
        cells.append(cell)
    growths: list[float | None] = []
    shares: list[float | None] = []
    siblings: list[int] = []
    for (series, start, end, value), cell in zip(places, cells, strict=True):
        indicator = INDICATORS[int(columns.indicator_ids[series])]
        base = by_key.get((series, start - 12, end - 12))
        in_points = indicator.value_kind is ValueKind.GROWTH_RATE or indicator.unit == "%"
        if base is None:
            growths.append(None)
        elif in_points:
            growths.append(value - base)
        else:
            growths.append((value / base - 1) * 100 if base > 0 else None)
        group = totals.get(cell) if cell else None
        if group is not None and len(group) >= 2 and sum(group) > 0:
            shares.append(value / sum(group) * 100)
        else:
            shares.append(None)
        siblings.append(len(group) if group is not None else 0)
    return growths, shares, siblings


def as_array(values: list[float | None]) -> np.ndarray:
    return np.asarray([np.nan if value is None else value for value in values], dtype=np.float64)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize(("chunk", "dense_limit"), [(1 << 19, 2_000_000), (7, 2_000_000), (5, 3)])
def test_columns_agree_with_the_reference(
    monkeypatch: pytest.MonkeyPatch, seed: int, chunk: int, dense_limit: int
) -> None:
    monkeypatch.setattr(growth_share, "CHUNK_VALUES", chunk)
    monkeypatch.setattr(growth_share, "DENSE_LIMIT", dense_limit)
    columns = random_columns(seed)
    computed = growth_share.compute(columns, FakeCatalog(dict(INDICATORS)), PARENTS.get)  # type: ignore[arg-type]
    growths, shares, siblings = reference(columns)
    np.testing.assert_allclose(computed.growth, as_array(growths), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(computed.share, as_array(shares), rtol=1e-12, equal_nan=True)
    assert computed.reporting_siblings.tolist() == siblings
    assert any(value is not None for value in growths)
    assert any(value is not None for value in shares)


def test_an_empty_store() -> None:
    empty = SeriesColumns(
        np.zeros(0, dtype=np.int64), [], [], np.zeros(1, dtype=np.int64),
        np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0),
    )  # fmt: skip
    computed = growth_share.compute(empty, FakeCatalog({}), PARENTS.get)  # type: ignore[arg-type]
    assert (computed.growth_count, computed.share_count) == (0, 0)
