"""Forecast runs: fit a series read from the store, keep the inputs, settings, scores and points, show a
stored run again, and reproduce it from what was stored to show the result is the same."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, insert, select

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, require
from citybase.analysis.forecast_models import (
    LEVELS,
    Backtest,
    ForecastResult,
    ModelSpec,
    forecast_values,
    statsforecast_version,
)
from citybase.analysis.forecast_series import InputPoint, InputSeries, future_periods, read_series
from citybase.analysis.forecast_tables import forecast_points, forecast_runs
from citybase.errors import InvalidInput, NotFound
from citybase.ledger import record
from citybase.messages import N_, Message, message
from citybase.storage.metadata import utcnow
from citybase.transform.periods import Frequency, parse_period

COMBINATION_METHOD = "equal-weight mean of the members' forecasts and of their 80% and 95% bounds"
MAX_LIST = 500


@dataclass(frozen=True)
class ForecastPoint:
    period: str
    value: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float


@dataclass(frozen=True)
class ForecastRun:
    """A forecast with everything needed to judge and reproduce it; `id` is None until it is stored."""

    id: int | None
    indicator: str
    region: str
    dims: str
    unit: str
    frequency: str
    horizon: int
    as_of: dt.datetime
    as_of_given: bool
    inputs: tuple[InputPoint, ...]
    parameters: dict[str, Any]
    model: str
    metrics: dict[str, dict[str, float | None]]
    mase: float | None
    mase_naive: float | None
    mase_seasonal_naive: float | None
    points: tuple[ForecastPoint, ...]
    notes: tuple[Message, ...] = ()
    created_by: str | None = None
    created_at: dt.datetime | None = None

    @property
    def beats_naive(self) -> bool:
        return self.mase is not None and self.mase_naive is not None and self.mase < self.mase_naive

    @property
    def warnings(self) -> list[Message]:
        """What a reader must know before trusting the forecast."""
        if self.beats_naive:
            return []
        return [
            message(
                N_(
                    "The chosen model ({model}) does not beat the naive forecast on the backtest "
                    "(MASE {mase} against {naive}): do not trust this forecast more than last period's value"
                ),
                model=self.model,
                mase=_rounded(self.mase),
                naive=_rounded(self.mase_naive),
            )
        ]


@dataclass(frozen=True)
class Reproduction:
    run: ForecastRun
    points: tuple[ForecastPoint, ...]
    model: str
    identical: bool
    differences: list[str] = field(default_factory=list)
    version_then: str = ""
    version_now: str = ""


def _rounded(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def compute(series: InputSeries, horizon: int) -> ForecastRun:
    """Backtest, choose and forecast `series`; the unstored run (id None) that `store_run` keeps."""
    name = f"{series.indicator} {series.region}" + (f" {series.dims}" if series.dims else "")
    result = forecast_values(series.values, series.frequency, horizon, series=name)
    parameters = {
        "statsforecast_version": statsforecast_version(),
        "season_length": result.season_length,
        "levels": list(LEVELS),
        "models": [spec.as_dict() for spec in result.models],
        "combination": COMBINATION_METHOD,
        "backtest": result.backtest.as_dict(),
        "failures": result.failures,
    }
    return ForecastRun(
        id=None,
        indicator=series.indicator,
        region=series.region,
        dims=series.dims,
        unit=series.unit,
        frequency=series.frequency.value,
        horizon=horizon,
        as_of=series.as_of,
        as_of_given=series.as_of_given,
        inputs=series.points,
        parameters=parameters,
        model=result.model,
        metrics={name: {"mase": score.mase, "mae": score.mae} for name, score in result.scores.items()},
        mase=result.mase,
        mase_naive=result.mase_naive,
        mase_seasonal_naive=result.mase_seasonal_naive,
        points=_points(result, series.points[-1].period, series.frequency, horizon),
        notes=series.notes,
    )


def _points(
    result: ForecastResult, last_period: str, frequency: Frequency, horizon: int
) -> tuple[ForecastPoint, ...]:
    band = result.band
    return tuple(
        ForecastPoint(period, *numbers)
        for period, *numbers in zip(
            future_periods(parse_period(last_period), frequency, horizon),
            band.mean,
            band.lower_80,
            band.upper_80,
            band.lower_95,
            band.upper_95,
            strict=True,
        )
    )


def run_forecast(
    conn: Connection,
    actor: Actor,
    indicator: str,
    region: str,
    horizon: int,
    *,
    dims: str = "",
    as_of: dt.datetime | None = None,
    frequency: str | None = None,
    store: bool = True,
) -> ForecastRun:
    """Read, fit and (unless told not to) store a forecast in one transaction."""
    series = read_series(conn, actor, indicator, region, dims=dims, as_of=as_of, frequency=frequency)
    run = compute(series, horizon)
    return store_run(conn, actor, run) if store else run


def store_run(conn: Connection, actor: Actor, run: ForecastRun) -> ForecastRun:
    """Keep a computed run and its points, with a ledger entry; anyone who may read the data may."""
    require(actor, Permission.VIEW_FACTS)
    if run.id is not None:
        raise InvalidInput(message(N_("Forecast run {id} is stored already"), id=run.id))
    created_at = utcnow()
    run_id = conn.execute(
        insert(forecast_runs)
        .values(
            indicator=run.indicator,
            region=run.region,
            dims=run.dims,
            unit=run.unit,
            frequency=run.frequency,
            horizon=run.horizon,
            as_of=run.as_of,
            as_of_given=run.as_of_given,
            inputs=json.dumps([point.as_dict() for point in run.inputs], ensure_ascii=False),
            parameters=json.dumps(run.parameters, ensure_ascii=False, sort_keys=True),
            model=run.model,
            metrics=json.dumps(run.metrics, sort_keys=True),
            mase=run.mase,
            mase_naive=run.mase_naive,
            mase_seasonal_naive=run.mase_seasonal_naive,
            notes=json.dumps(
                [{"template": note.template, "params": dict(note.params)} for note in run.notes],
                ensure_ascii=False,
            ),
            created_by=actor.username,
            created_at=created_at,
        )
        .returning(forecast_runs.c.id)
    ).scalar_one()
    conn.execute(
        insert(forecast_points),
        [{"run_id": run_id, "position": index, **point.__dict__} for index, point in enumerate(run.points)],
    )
    record(
        conn,
        actor,
        "forecast.run",
        "forecast_run",
        str(run_id),
        {
            "indicator": run.indicator,
            "region": run.region,
            "dims": run.dims,
            "frequency": run.frequency,
            "horizon": run.horizon,
            "as_of": run.as_of.isoformat(),
            "model": run.model,
            "inputs": len(run.inputs),
        },
    )
    return replace(run, id=run_id, created_by=actor.username, created_at=created_at)


def get_run(conn: Connection, actor: Actor, run_id: int) -> ForecastRun:
    require(actor, Permission.VIEW_FACTS)
    row = conn.execute(select(forecast_runs).where(forecast_runs.c.id == run_id)).mappings().first()
    if row is None:
        raise NotFound(message(N_("There is no forecast run {id}"), id=run_id))
    return _from_rows(conn, [row])[0]


def list_runs(
    conn: Connection,
    actor: Actor,
    *,
    indicator: str | None = None,
    region: str | None = None,
    limit: int = 50,
) -> list[ForecastRun]:
    """Stored runs, newest first, optionally of one indicator or region."""
    require(actor, Permission.VIEW_FACTS)
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(message(N_("The limit must lie between 1 and {max}"), max=MAX_LIST))
    query = select(forecast_runs).order_by(forecast_runs.c.id.desc()).limit(limit)
    if indicator:
        query = query.where(forecast_runs.c.indicator == indicator.strip().upper())
    if region:
        query = query.where(forecast_runs.c.region == region.strip())
    return _from_rows(conn, list(conn.execute(query).mappings()))


def _from_rows(conn: Connection, rows: Sequence[Any]) -> list[ForecastRun]:
    ids = [row["id"] for row in rows]
    points: dict[int, list[ForecastPoint]] = {run_id: [] for run_id in ids}
    if ids:
        for point in conn.execute(
            select(forecast_points)
            .where(forecast_points.c.run_id.in_(ids))
            .order_by(forecast_points.c.run_id, forecast_points.c.position)
        ).mappings():
            points[point["run_id"]].append(
                ForecastPoint(
                    point["period"],
                    point["value"],
                    point["lower_80"],
                    point["upper_80"],
                    point["lower_95"],
                    point["upper_95"],
                )
            )
    return [
        ForecastRun(
            id=row["id"],
            indicator=row["indicator"],
            region=row["region"],
            dims=row["dims"],
            unit=row["unit"],
            frequency=row["frequency"],
            horizon=row["horizon"],
            as_of=row["as_of"],
            as_of_given=row["as_of_given"],
            inputs=tuple(InputPoint(**item) for item in json.loads(row["inputs"])),
            parameters=json.loads(row["parameters"]),
            model=row["model"],
            metrics=json.loads(row["metrics"]),
            mase=row["mase"],
            mase_naive=row["mase_naive"],
            mase_seasonal_naive=row["mase_seasonal_naive"],
            points=tuple(points[row["id"]]),
            notes=tuple(Message(item["template"], item["params"]) for item in json.loads(row["notes"])),
            created_by=row["created_by"],
            created_at=row["created_at"],
        )
        for row in rows
    ]


def reproduce(conn: Connection, actor: Actor, run_id: int) -> Reproduction:
    """Fit the stored inputs again with the stored models and settings, and compare with the stored points."""
    run = get_run(conn, actor, run_id)
    parameters = run.parameters
    frequency = Frequency(run.frequency)
    result = forecast_values(
        [point.value for point in run.inputs],
        frequency,
        run.horizon,
        models=[ModelSpec.from_dict(item) for item in parameters["models"]],
        plan=Backtest(**parameters["backtest"]),
    )
    again = _points(result, run.inputs[-1].period, frequency, run.horizon)
    differences = []
    if result.model != run.model:
        differences.append(f"model: {run.model} then, {result.model} now")
    if result.mase != run.mase:
        differences.append(f"mase: {run.mase} then, {result.mase} now")
    for before, now in zip(run.points, again, strict=True):
        if before != now:
            differences.append(f"{before.period}: {before} then, {now} now")
    return Reproduction(
        run=run,
        points=again,
        model=result.model,
        identical=not differences,
        differences=differences,
        version_then=parameters.get("statsforecast_version", ""),
        version_now=statsforecast_version(),
    )
