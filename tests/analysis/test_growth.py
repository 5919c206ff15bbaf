"""Growth on hand-made values: % for levels, 个百分点 for rates, year-to-date, compound growth, the
published comparable rate beside the nominal one, vintages, and refusals naming what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from citybase.accounts.actor import Actor, Channel
from citybase.analysis.growth import compound_growth, growth
from citybase.analysis.observations import Options
from citybase.errors import InvalidInput, NotFound, PermissionDenied
from citybase.facts.model import FactInput
from citybase.facts.store import publish
from citybase.storage import Database


def test_yoy_growth_of_a_level_is_nominal_with_its_inputs_and_the_published_rate(
    store: Database, system: Actor
) -> None:
    with store.read() as conn:
        found = growth(conn, system, "GDP", "440300", "2022")
    assert found.value == pytest.approx(10.0)  # 110 / 100 − 1
    assert (found.unit, found.method, found.price_basis, found.basis) == (
        "%",
        "percent_change",
        "nominal",
        "yoy",
    )
    assert (found.current.period, found.current.value) == ("2022", 110.0)
    assert found.previous is not None
    assert (found.previous.period, found.previous.value, found.previous.unit) == ("2021", 100.0, "亿元")
    assert found.published is not None
    assert (found.published.indicator, found.published.value) == ("GDP_GROWTH", 7.5)
    assert found.published.price_basis == "comparable"


def test_period_on_period_growth_of_a_quarter(store: Database, system: Actor) -> None:
    with store.read() as conn:
        found = growth(conn, system, "GDP", "440300", "2023Q1", "pop")
    assert found.base_period == "2022Q4"
    assert found.value == pytest.approx((22 / 35 - 1) * 100, abs=1e-6)  # −37.142857
    assert found.published is None  # published rates are year-on-year


def test_a_rate_changes_by_percentage_points_never_a_percent_of_a_percent(
    store: Database, system: Actor
) -> None:
    with store.read() as conn:
        found = growth(conn, system, "UNEMP_RATE", "440300", "2023Q1")
    assert found.value == pytest.approx(-0.4)  # 4.8 − 5.2
    assert (found.unit, found.method) == ("个百分点", "difference")


def test_a_published_rate_is_shown_as_stored_with_the_nominal_growth_beside(
    store: Database, system: Actor
) -> None:
    with store.read() as conn:
        found = growth(conn, system, "GDP_GROWTH", "440300", "2022")
    assert (found.value, found.price_basis, found.method) == (7.5, "comparable", "published")
    assert found.from_levels is not None
    assert (found.from_levels.value, found.from_levels.price_basis) == (pytest.approx(10.0), "nominal")
    with store.read() as conn, pytest.raises(InvalidInput, match="GDP_GROWTH is a published growth rate"):
        growth(conn, system, "GDP_GROWTH", "440300", "2022", "pop")


def test_year_to_date_growth_compares_the_same_months(store: Database, system: Actor) -> None:
    with store.read() as conn:
        found = growth(conn, system, "GDP", "440300", "2023Q3YTD")
        through_alias = growth(conn, system, "GDP_YTD", "440300", "2023Q3")
    # 1–9月: 22 + 27.5 + 36 = 85.5 against 20 + 25 + 30 = 75, both summed by the store from the quarters.
    assert (found.current.value, found.previous.value if found.previous else None) == (85.5, 75.0)
    assert found.base_period == "2022Q3YTD"
    assert found.value == pytest.approx(14.0)
    assert found.current.computed == "cumulative"
    assert through_alias.value == found.value
    with store.read() as conn, pytest.raises(InvalidInput, match="year-to-date figure"):
        growth(conn, system, "GDP", "440300", "2023Q3YTD", "pop")


def test_compound_annual_growth_beside_the_mean_published_rate(store: Database, system: Actor) -> None:
    with store.read() as conn:
        found = compound_growth(conn, system, "GDP", "440300", "2019", "2022")
    assert found.years == 3
    assert found.value == pytest.approx(11.199005, abs=1e-5)  # (110 / 80) ^ (1/3) − 1
    # (1.05 × 1.10 × 1.075) ^ (1/3) − 1: the published comparable rates of 2020, 2021, 2022.
    assert found.published_average == pytest.approx(7.480617, abs=1e-5)
    assert (found.price_basis, found.published_price_basis) == ("nominal", "comparable")
    with store.read() as conn, pytest.raises(InvalidInput, match="Compound growth needs levels"):
        compound_growth(conn, system, "UNEMP_RATE", "440300", "2022Q1", "2023Q1")
    with store.read() as conn, pytest.raises(InvalidInput, match="earlier to a later period"):
        compound_growth(conn, system, "GDP", "440300", "2022", "2019")


def test_as_of_reads_the_vintage(store: Database, system: Actor) -> None:
    moment = dt.datetime.now(dt.UTC)
    with store.write() as conn:
        publish(
            conn, system, [FactInput("GDP", "440300", "2022", "121")], origin="revision", source_org="STATS"
        )
    with store.read() as conn:
        now = growth(conn, system, "GDP", "440300", "2022")
        then = growth(conn, system, "GDP", "440300", "2022", options=Options(as_of=moment))
    assert now.value == pytest.approx(21.0)
    assert then.value == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("args", "error", "text"),
    [
        (("NOPE", "440300", "2022"), NotFound, "Unknown indicator NOPE"),
        (("GDP", "449999", "2022"), NotFound, "Unknown region code 449999"),
        (
            ("POP_RESIDENT", "440300", "2022Q1"),
            InvalidInput,
            "does not match POP_RESIDENT, which is reported by year",
        ),
        (
            ("GDP", "440300", "2030"),
            NotFound,
            "No value of GDP for region 440300 in 2030 (the period asked for)",
        ),
        (("GDP", "440300", "2019"), NotFound, "No value of GDP for region 440300 in 2018 (the base period)"),
        (("GDP", "440300", "someday"), InvalidInput, "'someday' is not a period"),
    ],
)
def test_refusals_name_what_is_wrong(
    store: Database, system: Actor, args: tuple[str, str, str], error: type[Exception], text: str
) -> None:
    with store.read() as conn, pytest.raises(error, match=text.replace("(", r"\(").replace(")", r"\)")):
        growth(conn, system, *args)


def test_bad_basis_and_no_permission(store: Database, system: Actor) -> None:
    with store.read() as conn, pytest.raises(InvalidInput, match="'mom' is not one of yoy, pop"):
        growth(conn, system, "GDP", "440300", "2022", "mom")
    nobody = Actor("nobody", 999, None, None, frozenset(), False, Channel.API)
    with store.read() as conn, pytest.raises(PermissionDenied):
        growth(conn, nobody, "GDP", "440300", "2022")
