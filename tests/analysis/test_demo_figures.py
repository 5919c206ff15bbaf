"""The calculations against the demo city's real Shenzhen figures: recomputed shares, growth and per-capita
values agree with what the statistics bureau published."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.analysis.growth import growth
from citybase.analysis.percapita import per_capita
from citybase.analysis.structure import contribution, structure
from citybase.facts.query import SeriesQuery, query_facts
from citybase.storage import Database


def _stored(conn: Connection, actor: Actor, code: str, period: str) -> float:
    [item] = query_facts(conn, actor, SeriesQuery([code], ["440300"], start=period, end=period)).items
    assert item.value is not None
    return item.value


def test_shares_from_published_levels_match_the_published_shares(db: Database, system: Actor) -> None:
    with db.read() as conn:
        found = structure(conn, system, "GDP", "440300", "2022")
        published = {
            f"VA_{name}": _stored(conn, system, f"SHARE_{name}", "2022")
            for name in ("PRIMARY", "SECONDARY", "TERTIARY")
        }
    for part in found.parts:
        assert part.share == pytest.approx(published[part.indicator], abs=0.05), part.indicator


def test_nominal_gdp_growth_2017_from_published_levels(db: Database, system: Actor) -> None:
    with db.read() as conn:
        found = growth(conn, system, "GDP", "440300", "2017")
        later = growth(conn, system, "GDP", "440300", "2023")
    assert found.value == pytest.approx((22490.06 / 19492.6012 - 1) * 100)  # 15.38 %
    assert found.price_basis == "nominal"
    assert found.published is None  # no comparable-price rate for 2017 in the demo
    assert later.published is not None
    assert (later.published.value, later.published.price_basis) == (6.0, "comparable")
    assert later.value == pytest.approx((34606.4 / 32387.68 - 1) * 100)  # 6.85 % nominal, not 6.0


def test_per_capita_gdp_on_the_mean_population_matches_the_published_figure(
    db: Database, system: Actor
) -> None:
    with db.read() as conn:
        for year in ("2019", "2022"):
            found = per_capita(conn, system, "GDP", "440300", year, population_basis="average")
            assert found.value == pytest.approx(_stored(conn, system, "GDP_PER_CAPITA", year), abs=1.0)


def test_three_industries_contributions_2017(db: Database, system: Actor) -> None:
    with db.read() as conn:
        found = contribution(conn, system, "GDP", "440300", "2017")
    # The parts add up to GDP within 0.01 亿元 each year, so the contributions sum to about 100 %.
    assert found.contributions_sum == pytest.approx(100.0, abs=0.01)
    assert found.pulls_sum == pytest.approx(found.growth, abs=0.001)
