"""Forecasts (形势分析预测): a stored forecast run for one series, stored runs, reproduction, scenarios."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from citybase.analysis.forecast_models import MAX_HORIZON
from citybase.analysis.forecast_runs import ForecastRun, compute, get_run, list_runs, reproduce, store_run
from citybase.analysis.forecast_scenario import Driver, run_scenario
from citybase.analysis.forecast_series import read_series
from citybase.api.deps import ActorDep, ConnDep, current_actor, get_database
from citybase.errors import InvalidInput
from citybase.i18n import translations
from citybase.messages import N_, Message, message

router = APIRouter(prefix="/analysis", tags=["forecast"])

HorizonQuery = Annotated[int, Query(ge=1, le=MAX_HORIZON, description="Periods to forecast")]
AsOfQuery = Annotated[dt.datetime | None, Query(description="Read the series as published then (ISO 8601)")]


class ForecastPointPublic(BaseModel):
    period: str
    value: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float


class InputPointPublic(BaseModel):
    period: str
    value: float
    filled: bool
    computed: str | None


class ScorePublic(BaseModel):
    mase: float | None
    mae: float | None


class ForecastPublic(BaseModel):
    run_id: int | None
    indicator: str
    region: str
    dims: str
    unit: str
    frequency: str
    horizon: int
    as_of: dt.datetime
    model: str
    mase: float | None
    mase_naive: float | None
    mase_seasonal_naive: float | None
    beats_naive: bool
    candidates: dict[str, ScorePublic]
    points: list[ForecastPointPublic]
    inputs: list[InputPointPublic]
    parameters: dict[str, Any]
    notes: list[str]
    notes_zh: list[str]
    warnings: list[str]
    warnings_zh: list[str]
    created_by: str | None
    created_at: dt.datetime | None


class ReproductionPublic(BaseModel):
    run_id: int
    identical: bool
    model: str
    points: list[ForecastPointPublic]
    differences: list[str]
    statsforecast_then: str
    statsforecast_now: str


class ScenarioLinePublic(BaseModel):
    period: str
    base: float
    scenario: float
    difference: float


class ScenarioPublic(BaseModel):
    indicator: str
    region: str
    unit: str
    frequency: str
    driver: str
    driver_region: str
    growth_pp: float | None
    level: float | None
    lines: list[ScenarioLinePublic]
    forecasts: list[ForecastPublic]


def _both(items: list[Message]) -> tuple[list[str], list[str]]:
    chinese = translations("zh_CN").gettext
    return [item.render() for item in items], [item.render(chinese) for item in items]


def forecast_public(run: ForecastRun) -> ForecastPublic:
    notes, notes_zh = _both(list(run.notes))
    warnings, warnings_zh = _both(run.warnings)
    return ForecastPublic(
        run_id=run.id,
        indicator=run.indicator,
        region=run.region,
        dims=run.dims,
        unit=run.unit,
        frequency=run.frequency,
        horizon=run.horizon,
        as_of=run.as_of,
        model=run.model,
        mase=run.mase,
        mase_naive=run.mase_naive,
        mase_seasonal_naive=run.mase_seasonal_naive,
        beats_naive=run.beats_naive,
        candidates={name: ScorePublic(**score) for name, score in run.metrics.items()},
        points=[ForecastPointPublic(**point.__dict__) for point in run.points],
        inputs=[InputPointPublic(**point.__dict__) for point in run.inputs],
        parameters=run.parameters,
        notes=notes,
        notes_zh=notes_zh,
        warnings=warnings,
        warnings_zh=warnings_zh,
        created_by=run.created_by,
        created_at=run.created_at,
    )


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment


@router.get("/forecast", response_model=ForecastPublic)
def read_forecast(
    request: Request,
    # Required, but checked after authentication (an anonymous caller gets 401, not a list of fields).
    indicator: Annotated[str, Query(description="Indicator code or alias, required")] = "",
    region: Annotated[str, Query(description="Region code, required")] = "",
    horizon: HorizonQuery = 3,
    dims: Annotated[str, Query(description="Breakdown, e.g. SEX=F")] = "",
    as_of: AsOfQuery = None,
    frequency: Annotated[
        str | None, Query(description="year, half, quarter or month (default: what most values are)")
    ] = None,
) -> ForecastPublic:
    """Forecast one series with 80% and 95% intervals; the run is stored and its id returned."""
    database = get_database(request)
    # The models are fitted outside any transaction, so a second of fitting holds no database lock.
    with database.read() as conn:
        actor = current_actor(request, conn)
        if not indicator.strip() or not region.strip():
            raise InvalidInput(message(N_("Name the indicator and the region to forecast")))
        series = read_series(
            conn, actor, indicator, region, dims=dims, as_of=_aware(as_of), frequency=frequency
        )
    run = compute(series, horizon)
    with database.write() as conn:
        stored = store_run(conn, actor, run)
    return forecast_public(stored)


@router.get("/forecast-runs", response_model=list[ForecastPublic])
def read_forecast_runs(
    conn: ConnDep,
    actor: ActorDep,
    indicator: str | None = None,
    region: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ForecastPublic]:
    """Stored forecast runs, newest first."""
    return [
        forecast_public(run)
        for run in list_runs(conn, actor, indicator=indicator, region=region, limit=limit)
    ]


@router.get("/forecast-runs/{run_id}", response_model=ForecastPublic)
def read_forecast_run(run_id: int, conn: ConnDep, actor: ActorDep) -> ForecastPublic:
    """One stored forecast run: its inputs, settings, backtest scores and points."""
    return forecast_public(get_run(conn, actor, run_id))


@router.post("/forecast-runs/{run_id}/reproduce", response_model=ReproductionPublic)
def reproduce_forecast_run(run_id: int, conn: ConnDep, actor: ActorDep) -> ReproductionPublic:
    """Fit the stored inputs again with the stored settings and say whether the points are identical."""
    found = reproduce(conn, actor, run_id)
    return ReproductionPublic(
        run_id=run_id,
        identical=found.identical,
        model=found.model,
        points=[ForecastPointPublic(**point.__dict__) for point in found.points],
        differences=found.differences,
        statsforecast_then=found.version_then,
        statsforecast_now=found.version_now,
    )


@router.get("/forecast-scenario", response_model=ScenarioPublic)
def read_scenario(
    conn: ConnDep,
    actor: ActorDep,
    indicator: Annotated[str, Query(description="The indicator to show, e.g. SHARE_TERTIARY_CALC")],
    region: Annotated[str, Query(description="Its region")],
    driver: Annotated[str, Query(description="The indicator changed, e.g. GDP")],
    driver_region: Annotated[str | None, Query(description="Its region (default: region)")] = None,
    growth_pp: Annotated[
        float | None, Query(description="Percentage points added to the driver's growth each period")
    ] = None,
    level: Annotated[float | None, Query(description="The driver's value in every forecast period")] = None,
    horizon: HorizonQuery = 3,
    dims: str = "",
    as_of: AsOfQuery = None,
) -> ScenarioPublic:
    """What-if: base and scenario paths of the indicator when the driver changes; nothing is stored."""
    found = run_scenario(
        conn,
        actor,
        indicator,
        region,
        Driver(driver, driver_region or region, growth_pp=growth_pp, level=level),
        horizon,
        dims=dims,
        as_of=_aware(as_of),
    )
    return ScenarioPublic(
        indicator=found.indicator,
        region=found.region,
        unit=found.unit,
        frequency=found.frequency,
        driver=found.driver.indicator,
        driver_region=found.driver.region,
        growth_pp=found.driver.growth_pp,
        level=found.driver.level,
        lines=[
            ScenarioLinePublic(
                period=line.period, base=line.base, scenario=line.scenario, difference=line.difference
            )
            for line in found.lines
        ],
        forecasts=[forecast_public(run) for run in found.forecasts],
    )
