"""Stored forecast runs on the demo city: inputs as of a vintage, storage, the ledger, reproduction,
permissions, and what-if scenarios through region sums and formulas."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from citybase.accounts.actor import Actor, Channel
from citybase.analysis.forecast_runs import get_run, list_runs, reproduce, run_forecast
from citybase.analysis.forecast_scenario import Driver, run_scenario
from citybase.analysis.forecast_tables import forecast_points, forecast_runs
from citybase.errors import InvalidInput, NotFound, PermissionDenied
from citybase.facts.model import FactInput
from citybase.facts.store import publish
from citybase.ledger.tables import ledger_entries
from citybase.storage import Database
from citybase.storage.metadata import utcnow
from tests.factories import acting, row_count

YEARS = range(2001, 2025)


def _publish(db: Database, system: Actor, indicator: str, region: str, values: dict[int, float]) -> None:
    with db.write() as conn:
        publish(
            conn,
            system,
            [FactInput(indicator, region, str(year), value) for year, value in values.items()],
            origin="test",
            source_org="STATS",
        )


def test_a_run_of_shenzhen_gdp_is_stored_with_its_inputs_and_settings(db: Database, system: Actor) -> None:
    analyst = acting(db, "stats_analyst")
    with db.write() as conn:
        run = run_forecast(conn, analyst, "GDP", "440300", 3)
    assert run.id is not None
    # A quarterly indicator whose values are years: forecast by year, 2001–2024 with 2018 and 2020 filled.
    assert run.frequency == "year"
    assert [point.period for point in run.inputs] == [str(year) for year in YEARS]
    assert [point.period for point in run.inputs if point.filled] == ["2018", "2020"]
    assert run.inputs[-1].value == 36801.87
    assert [point.period for point in run.points] == ["2025", "2026", "2027"]
    assert run.parameters["season_length"] == 1
    assert run.parameters["backtest"] == {"origins": 5, "horizon": 3, "min_train": 6, "step": 1}
    assert [model["name"] for model in run.parameters["models"]] == ["AutoETS", "AutoARIMA", "AutoTheta"]
    assert run.parameters["statsforecast_version"].startswith("2.")
    assert run.mase == run.metrics[run.model]["mase"]
    assert run.mase_naive == run.metrics["Naive"]["mase"] == run.mase_seasonal_naive
    assert run.beats_naive
    assert run.warnings == []
    assert [note.render() for note in run.notes] == [
        "No value for 2018: interpolated between its neighbours",
        "No value for 2020: interpolated between its neighbours",
    ]
    assert (row_count(db, forecast_runs), row_count(db, forecast_points)) == (1, 3)
    with db.read() as conn:
        entry = conn.execute(select(ledger_entries).order_by(ledger_entries.c.seq.desc())).mappings().first()
        again = get_run(conn, analyst, run.id)
    assert entry is not None
    assert (entry["action"], entry["object_type"], entry["object_key"], entry["actor"]) == (
        "forecast.run",
        "forecast_run",
        str(run.id),
        "stats_analyst",
    )
    assert again == run


def test_reproduce_gives_the_identical_result_and_notices_a_change(db: Database, system: Actor) -> None:
    with db.write() as conn:
        run = run_forecast(conn, system, "GDP", "440300", 2)
    assert run.id is not None
    with db.read() as conn:
        same = reproduce(conn, system, run.id)
    assert same.identical
    assert same.differences == []
    assert same.points == run.points
    assert same.model == run.model
    with db.write() as conn:
        conn.execute(
            update(forecast_points)
            .where(forecast_points.c.run_id == run.id, forecast_points.c.position == 1)
            .values(value=forecast_points.c.value + 1)
        )
    with db.read() as conn:
        changed = reproduce(conn, system, run.id)
    assert not changed.identical
    assert len(changed.differences) == 1
    assert changed.differences[0].startswith(run.points[1].period)


def test_a_run_as_of_a_vintage_uses_the_values_published_then(db: Database, system: Actor) -> None:
    before = utcnow()
    _publish(db, system, "GDP", "440300", {2024: 40000.0})
    with db.write() as conn:
        then = run_forecast(conn, system, "GDP", "440300", 1, as_of=before)
        now = run_forecast(conn, system, "GDP", "440300", 1)
    assert (then.as_of, then.as_of_given, then.inputs[-1].value) == (before, True, 36801.87)
    assert not now.as_of_given
    assert now.inputs[-1].value == 40000.0
    with db.read() as conn:
        assert [item.id for item in list_runs(conn, system, indicator="gdp")] == [now.id, then.id]
        assert list_runs(conn, system, region="440305") == []


def test_failures_are_named(db: Database, system: Actor) -> None:
    with db.read() as conn:
        with pytest.raises(NotFound, match="Unknown indicator NOPE"):
            run_forecast(conn, system, "NOPE", "440300", 3, store=False)
        with pytest.raises(NotFound, match="no month values of GDP for region 440300"):
            run_forecast(conn, system, "GDP", "440300", 3, frequency="month", store=False)
        with pytest.raises(InvalidInput, match="'weekly' is not one of year, half, quarter, month"):
            run_forecast(conn, system, "GDP", "440300", 3, frequency="weekly", store=False)
        with pytest.raises(InvalidInput, match="GDP 440305 has 1 values by year"):
            run_forecast(conn, system, "GDP", "440305", 3, store=False)
        with pytest.raises(NotFound, match="no forecast run 99"):
            get_run(conn, system, 99)


def test_a_long_gap_cuts_the_series(db: Database, system: Actor) -> None:
    # POP_RESIDENT has 2016, 2018–2019 and 2021–2022 in the demo; with 2005 added, the ten years missing
    # before 2016 cut the series there, and 2016–2022 is kept with 2017 and 2020 filled: 7 values.
    _publish(db, system, "POP_RESIDENT", "440300", {2005: 800.0})
    with db.read() as conn, pytest.raises(InvalidInput, match="POP_RESIDENT 440300 has 7 values"):
        run_forecast(conn, system, "POP_RESIDENT", "440300", 3, store=False)


def test_whoever_may_read_the_data_may_forecast(db: Database) -> None:
    nobody = Actor("ghost", 999, "STATS", None, frozenset(), False, Channel.API)
    viewer = acting(db, "finance_viewer")
    with db.write() as conn:
        with pytest.raises(PermissionDenied, match="ghost \\(STATS\\) may not view data"):
            run_forecast(conn, nobody, "GDP", "440300", 3)
        run = run_forecast(conn, viewer, "GDP", "440300", 1)
    assert run.created_by == "finance_viewer"
    with db.read() as conn, pytest.raises(PermissionDenied):
        reproduce(conn, nobody, run.id or 0)


def _district_history(db: Database, system: Actor) -> None:
    _publish(db, system, "GDP", "440305", {year: 1000 * 1.1 ** (year - 2001) for year in YEARS})
    _publish(db, system, "VA_TERTIARY", "440305", {year: 600 * 1.1 ** (year - 2001) for year in YEARS})
    _publish(db, system, "VA_TERTIARY", "440300", {year: 1200 * 1.11 ** (year - 2001) for year in YEARS})


def test_a_district_change_moves_the_city_by_the_same_amount(db: Database, system: Actor) -> None:
    _district_history(db, system)
    with db.read() as conn:
        found = run_scenario(conn, system, "GDP", "440300", Driver("GDP", "440305", growth_pp=1.0), 3)
    forecasts = {(run.indicator, run.region): run for run in found.forecasts}
    city, district = forecasts[("GDP", "440300")], forecasts[("GDP", "440305")]
    assert [line.period for line in found.lines] == ["2025", "2026", "2027"]
    assert [line.base for line in found.lines] == [point.value for point in city.points]
    # The district's growth each year is its base growth plus 1 point, starting from its 2024 value.
    last = district.inputs[-1].value
    previous_base, previous, expected = last, last, []
    for point in district.points:
        previous = previous * (point.value / previous_base + 0.01)
        previous_base = point.value
        expected.append(previous - point.value)
    assert expected[0] == pytest.approx(0.01 * last)
    assert [line.difference for line in found.lines] == pytest.approx(expected)


def test_a_change_reaches_a_share_through_its_formula_and_the_region_sum(db: Database, system: Actor) -> None:
    _district_history(db, system)
    with db.read() as conn:
        found = run_scenario(
            conn, system, "SHARE_TERTIARY_CALC", "440300", Driver("VA_TERTIARY", "440305", level=2000.0), 2
        )
    forecasts = {(run.indicator, run.region): run for run in found.forecasts}
    gdp = [point.value for point in forecasts[("GDP", "440300")].points]
    tertiary = [point.value for point in forecasts[("VA_TERTIARY", "440300")].points]
    district = [point.value for point in forecasts[("VA_TERTIARY", "440305")].points]
    assert found.unit == "%"
    for step, line in enumerate(found.lines):
        assert line.base == pytest.approx(tertiary[step] / gdp[step] * 100)
        assert line.scenario == pytest.approx((tertiary[step] + 2000.0 - district[step]) / gdp[step] * 100)


def test_a_driver_that_does_not_reach_the_target_is_refused(db: Database, system: Actor) -> None:
    with db.read() as conn:
        with pytest.raises(
            InvalidInput, match="A change to POP_RESIDENT in 440305 does not reach GDP in 440300"
        ):
            run_scenario(conn, system, "GDP", "440300", Driver("POP_RESIDENT", "440305", growth_pp=1), 3)
        with pytest.raises(InvalidInput, match="either a growth in points or a level"):
            run_scenario(conn, system, "GDP", "440300", Driver("GDP", "440300"), 3)
        with pytest.raises(InvalidInput, match="derived by a formula"):
            run_scenario(
                conn,
                system,
                "GDP_PER_CAPITA_CALC",
                "440300",
                Driver("GDP_PER_CAPITA_CALC", "440300", level=1),
                3,
            )


def test_run_storage_keeps_aware_timestamps(db: Database, system: Actor) -> None:
    moment = utcnow() - dt.timedelta(microseconds=1)
    with db.write() as conn:
        run = run_forecast(conn, system, "GDP", "440300", 1, as_of=moment)
    with db.read() as conn:
        stored = get_run(conn, system, run.id or 0)
    assert stored.as_of == moment
    assert stored.created_at is not None
    assert stored.created_at.tzinfo is not None
