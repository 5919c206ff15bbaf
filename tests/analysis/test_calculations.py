"""Structure, contributions, rankings, indices, per-capita values and aggregation on hand-made values."""

from __future__ import annotations

import pytest

from citybase.accounts.actor import Actor
from citybase.analysis.indices import index_series
from citybase.analysis.percapita import per_capita
from citybase.analysis.ranking import ranking, ranks
from citybase.analysis.rollup import rollup
from citybase.analysis.structure import contribution, structure
from citybase.errors import InvalidInput, NotFound
from citybase.storage import Database


def test_three_industry_structure(store: Database, system: Actor) -> None:
    with store.read() as conn:
        found = structure(conn, system, "GDP", "440300", "2022")
    shares = {part.indicator: part.share for part in found.parts}
    assert shares == {
        "VA_PRIMARY": pytest.approx(5.0),  # 5.5 / 110
        "VA_SECONDARY": pytest.approx(38.181818),  # 42 / 110
        "VA_TERTIARY": pytest.approx(56.818182),  # 62.5 / 110
    }
    assert found.shares_sum == pytest.approx(100.0)
    assert found.residual == pytest.approx(0.0)
    assert found.total.value == 110.0


def test_contributions_sum_to_100_and_pulls_to_the_growth(store: Database, system: Actor) -> None:
    with store.read() as conn:
        found = contribution(conn, system, "GDP", "440300", "2022")
    parts = {part.indicator: part for part in found.parts}
    # Changes 0.5, 2 and 7.5 of a total change of 10 on a base of 100.
    assert parts["VA_PRIMARY"].contribution == pytest.approx(5.0)
    assert parts["VA_SECONDARY"].contribution == pytest.approx(20.0)
    assert parts["VA_TERTIARY"].contribution == pytest.approx(75.0)
    assert parts["VA_TERTIARY"].pull == pytest.approx(7.5)
    assert parts["VA_SECONDARY"].growth == pytest.approx(5.0)  # 42 / 40 − 1
    assert found.growth == pytest.approx(10.0)
    assert found.contributions_sum == pytest.approx(100.0)
    assert found.pulls_sum == pytest.approx(found.growth)
    assert found.price_basis == "nominal"


def test_parts_must_add_up(store: Database, system: Actor) -> None:
    with (
        store.read() as conn,
        pytest.raises(InvalidInput, match="GDP_GROWTH is a growth_rate and cannot be added up"),
    ):
        structure(conn, system, "GDP", "440300", "2022", ["VA_TERTIARY", "GDP_GROWTH"])
    with store.read() as conn, pytest.raises(InvalidInput, match="Name the parts of RETAIL"):
        structure(conn, system, "RETAIL", "440300", "2023-01")
    with (
        store.read() as conn,
        pytest.raises(NotFound, match=r"GDP for region 440300 in 2020 \(the base period\)"),
    ):
        contribution(conn, system, "GDP", "440300", "2021")


def test_competition_ranks_with_ties() -> None:
    assert ranks([30.0, 10.0, 30.0, None, 20.0], 2) == [1, 4, 1, None, 3]
    assert ranks([30.0, 10.0, 30.0, None, 20.0], 2, descending=False) == [3, 1, 3, None, 2]
    assert ranks([25.04, 24.96], 1) == [1, 1]  # equal as published to one decimal


def test_districts_ranked_by_level_growth_and_share(store: Database, system: Actor) -> None:
    with store.read() as conn:
        by_level = ranking(conn, system, "GDP", "2022", "440300")
        by_growth = ranking(conn, system, "GDP", "2022", "440300", by="growth")
        by_share = ranking(conn, system, "GDP", "2022", "440300", by="share")
    assert [(item.rank, item.region) for item in by_level.items[:4]] == [
        (1, "440304"),
        (1, "440305"),
        (3, "440306"),
        (4, "440303"),
    ]
    assert all(item.rank is None for item in by_level.items[4:])
    assert by_level.coverage == f"4/{len(by_level.items)}"
    # 10/8 = 25 %, 30/24 = 25 %, 30/25 = 20 %, 20/20 = 0 %.
    assert [(item.rank, item.region, item.growth) for item in by_growth.items[:4]] == [
        (1, "440303", pytest.approx(25.0)),
        (1, "440305", pytest.approx(25.0)),
        (3, "440304", pytest.approx(20.0)),
        (4, "440306", pytest.approx(0.0)),
    ]
    nanshan = next(item for item in by_growth.items if item.region == "440305")
    assert nanshan.published is not None
    assert nanshan.published.value == 9.1
    assert by_share.items[0].share == pytest.approx(30 / 110 * 100)
    with store.read() as conn, pytest.raises(InvalidInput, match="GDP_GROWTH is not summed over regions"):
        ranking(conn, system, "GDP_GROWTH", "2022", "440300", by="share")


def test_index_on_a_base_period_and_chained_published_rates(store: Database, system: Actor) -> None:
    with store.read() as conn:
        levels = index_series(conn, system, "GDP", "440300", "2021")
        chained = index_series(conn, system, "GDP_GROWTH", "440300", "2021")
    assert [(point.period, point.index) for point in levels.points] == [
        ("2019", pytest.approx(80.0)),
        ("2021", pytest.approx(100.0)),
        ("2022", pytest.approx(110.0)),
    ]
    assert chained.price_basis == "comparable"
    assert [(point.period, point.index) for point in chained.points] == [
        ("2019", pytest.approx(86.580087)),  # 100 / 1.10 / 1.05
        ("2020", pytest.approx(90.909091)),  # 100 / 1.10
        ("2021", 100.0),
        ("2022", pytest.approx(107.5)),
    ]
    with store.read() as conn, pytest.raises(NotFound, match=r"in 2020 \(the base period\)"):
        index_series(conn, system, "GDP", "440300", "2020")
    with store.read() as conn, pytest.raises(InvalidInput, match="UNEMP_RATE is a percentage"):
        index_series(conn, system, "UNEMP_RATE", "440300", "2022Q1")


def test_per_capita_converts_units(store: Database, system: Actor) -> None:
    with store.read() as conn:
        year_end = per_capita(conn, system, "GDP", "440300", "2022")
        average = per_capita(conn, system, "GDP", "440300", "2022", population_basis="average")
        in_wan = per_capita(conn, system, "GDP", "440300", "2022", unit="万元/人")
    assert (year_end.value, year_end.unit) == (pytest.approx(22000.0), "元/人")  # 110 亿元 / 50 万人
    assert average.value == pytest.approx(24444.4444)  # 110 亿元 / ((50 + 40) / 2) 万人
    assert in_wan.value == pytest.approx(2.2)
    with store.read() as conn, pytest.raises(InvalidInput, match="LAND_AREA is not a population"):
        per_capita(conn, system, "GDP", "440300", "2022", population="LAND_AREA")
    with store.read() as conn, pytest.raises(InvalidInput, match="cannot be expressed in 平方公里"):
        per_capita(conn, system, "GDP", "440300", "2022", unit="平方公里")
    with (
        store.read() as conn,
        pytest.raises(InvalidInput, match="UNEMP_RATE is a ratio and cannot be added up"),
    ):
        per_capita(conn, system, "UNEMP_RATE", "440300", "2022Q1")


def test_rollup_over_regions_with_coverage(store: Database, system: Actor) -> None:
    with store.read() as conn:
        summed = rollup(conn, system, "GDP", "440300", "2022")
        weighted = rollup(conn, system, "DENSITY", "440300", "2022")
    assert summed.value == pytest.approx(90.0)  # 10 + 30 + 30 + 20
    assert (summed.reported, summed.complete, summed.rule) == (4, False, "sum")
    assert summed.expected == len(summed.parts) >= 9
    assert "440307" in summed.missing
    assert summed.stored is not None
    assert summed.difference == pytest.approx(20.0)
    # (1000 × 10 + 3000 × 30) / 40; Nanshan's density has no area to weigh it by.
    assert weighted.value == pytest.approx(2500.0)
    assert weighted.reported == 2
    assert "440305" in weighted.missing
    with (
        store.read() as conn,
        pytest.raises(InvalidInput, match="GDP_GROWTH is a growth_rate and is not added up over regions"),
    ):
        rollup(conn, system, "GDP_GROWTH", "440300", "2022")


def test_rollup_over_time_by_each_rule(store: Database, system: Actor) -> None:
    with store.read() as conn:
        first = rollup(conn, system, "RETAIL", "440300", "2023Q1", over="time")
        second = rollup(conn, system, "RETAIL", "440300", "2023Q2", over="time")
        stock = rollup(conn, system, "DEPOSITS", "440300", "2023Q1", over="time")
        quarters = rollup(conn, system, "GDP", "440300", "2022", over="time")
    assert (first.value, first.coverage, first.complete) == (pytest.approx(36.0), "3/3", True)
    assert (second.value, second.coverage, second.missing) == (pytest.approx(31.0), "2/3", ["2023-06"])
    assert (stock.value, stock.rule) == (103.0, "last")
    assert (quarters.value, quarters.difference) == (pytest.approx(110.0), pytest.approx(0.0))
    with store.read() as conn, pytest.raises(NotFound, match="DEPOSITS for region 440300 in 2023-06"):
        rollup(conn, system, "DEPOSITS", "440300", "2023Q2", over="time")
    with (
        store.read() as conn,
        pytest.raises(InvalidInput, match="UNEMP_RATE is a ratio and is not added up over time"),
    ):
        rollup(conn, system, "UNEMP_RATE", "440300", "2022", over="time")
    with store.read() as conn, pytest.raises(InvalidInput, match="2023-01 does not split"):
        rollup(conn, system, "RETAIL", "440300", "2023-01", over="time")
