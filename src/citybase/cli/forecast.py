"""`citybase forecast`: run, show, list and reproduce stored forecasts, and what-if scenarios."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from citybase.accounts.actor import Actor, Channel
from citybase.cli.common import DatabaseUrlOption, console, console_transaction, print_table

if TYPE_CHECKING:
    from citybase.analysis.forecast_runs import ForecastRun

app = typer.Typer(
    help="Forecasts (形势分析预测): stored, reproducible runs and scenarios.", no_args_is_help=True
)

FormatOption = Annotated[Literal["table", "json"], typer.Option(help="Output format.")]


def _moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.3f}"


def _as_dict(run: ForecastRun) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "indicator": run.indicator,
        "region": run.region,
        "dims": run.dims,
        "unit": run.unit,
        "frequency": run.frequency,
        "horizon": run.horizon,
        "as_of": run.as_of.isoformat(),
        "model": run.model,
        "mase": run.mase,
        "mase_naive": run.mase_naive,
        "mase_seasonal_naive": run.mase_seasonal_naive,
        "beats_naive": run.beats_naive,
        "candidates": run.metrics,
        "points": [point.__dict__ for point in run.points],
        "inputs": [point.as_dict() for point in run.inputs],
        "parameters": run.parameters,
        "notes": [note.render() for note in run.notes],
        "warnings": [warning.render() for warning in run.warnings],
        "created_by": run.created_by,
        "created_at": run.created_at.isoformat() if run.created_at else None,
    }


def _print_run(run: ForecastRun, format: str) -> None:
    if format == "json":
        sys.stdout.write(json.dumps(_as_dict(run), ensure_ascii=False, indent=1) + "\n")
        return
    console.print(
        f"run {run.id}: {run.indicator} {run.region}{' ' + run.dims if run.dims else ''} by {run.frequency}, "
        f"{len(run.inputs)} values {run.inputs[0].period}–{run.inputs[-1].period}, "
        f"as of {run.as_of:%Y-%m-%d %H:%M} UTC"
    )
    console.print(
        f"model {run.model}: backtest MASE {_number(run.mase)}; naive {_number(run.mase_naive)}, "
        f"seasonal naive {_number(run.mase_seasonal_naive)}"
    )
    for note in run.notes:
        console.print(f"note: {note.render()}")
    for warning in run.warnings:
        console.print(f"[bold yellow]warning:[/] {warning.render()}")
    print_table(
        ("period", f"forecast ({run.unit})", "80% low", "80% high", "95% low", "95% high"),
        [
            [
                point.period,
                *(
                    _number(number)
                    for number in (
                        point.value,
                        point.lower_80,
                        point.upper_80,
                        point.lower_95,
                        point.upper_95,
                    )
                ),
            ]
            for point in run.points
        ],
    )
    print_table(
        ("candidate", "backtest MASE", "MAE"),
        [[name, _number(score["mase"]), _number(score["mae"])] for name, score in run.metrics.items()],
    )


@app.command("run")
def run(
    indicator: Annotated[str, typer.Option(help="Indicator code or alias.")],
    region: Annotated[str, typer.Option(help="Region code.")],
    horizon: Annotated[int, typer.Option(help="Periods to forecast.")] = 3,
    dims: Annotated[str, typer.Option(help="Breakdown such as SEX=F.")] = "",
    as_of: Annotated[str | None, typer.Option(help="Read the series as published then (ISO 8601).")] = None,
    frequency: Annotated[
        str | None, typer.Option(help="year, half, quarter or month (default: what most values are).")
    ] = None,
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Backtest the models, forecast with the best, and store the run."""
    from citybase.analysis.forecast_runs import run_forecast

    with console_transaction(database_url, write=True) as conn:
        found = run_forecast(
            conn,
            Actor.system(Channel.CLI),
            indicator,
            region,
            horizon,
            dims=dims,
            as_of=_moment(as_of),
            frequency=frequency,
        )
    _print_run(found, format)


@app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(help="The run's number.")],
    format: FormatOption = "table",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Print a stored run: inputs, backtest scores and forecast points."""
    from citybase.analysis.forecast_runs import get_run

    with console_transaction(database_url, write=False) as conn:
        found = get_run(conn, Actor.system(Channel.CLI), run_id)
    _print_run(found, format)


@app.command("list")
def list_(
    indicator: Annotated[str | None, typer.Option(help="Only runs of this indicator.")] = None,
    region: Annotated[str | None, typer.Option(help="Only runs of this region.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many runs.")] = 50,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Stored runs, newest first."""
    from citybase.analysis.forecast_runs import list_runs

    with console_transaction(database_url, write=False) as conn:
        runs = list_runs(conn, Actor.system(Channel.CLI), indicator=indicator, region=region, limit=limit)
    print_table(
        ("run", "indicator", "region", "frequency", "horizon", "model", "MASE", "naive MASE", "created"),
        [
            [
                str(item.id),
                item.indicator,
                item.region,
                item.frequency,
                str(item.horizon),
                item.model,
                _number(item.mase),
                _number(item.mase_naive),
                f"{item.created_at:%Y-%m-%d %H:%M}" if item.created_at else "",
            ]
            for item in runs
        ],
    )


@app.command("reproduce")
def reproduce(
    run_id: Annotated[int, typer.Argument(help="The run's number.")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Fit a stored run's inputs again with its settings; exit 1 when the result differs."""
    from citybase.analysis.forecast_runs import reproduce as reproduce_run

    with console_transaction(database_url, write=False) as conn:
        found = reproduce_run(conn, Actor.system(Channel.CLI), run_id)
    if found.identical:
        console.print(
            f"run {run_id} reproduced: identical ({found.model}, {len(found.points)} points, "
            f"statsforecast {found.version_now})"
        )
        return
    console.print(f"run {run_id} differs (statsforecast {found.version_then} then, {found.version_now} now):")
    for line in found.differences:
        console.print(f"  {line}")
    raise typer.Exit(1)


@app.command("scenario")
def scenario(
    indicator: Annotated[str, typer.Option(help="The indicator to show, e.g. SHARE_TERTIARY_CALC.")],
    region: Annotated[str, typer.Option(help="Its region.")],
    driver: Annotated[str, typer.Option(help="The indicator changed, e.g. GDP.")],
    driver_region: Annotated[str | None, typer.Option(help="Its region (default: --region).")] = None,
    growth_pp: Annotated[
        float | None, typer.Option(help="Percentage points added to the driver's growth each period.")
    ] = None,
    level: Annotated[float | None, typer.Option(help="The driver's value in every forecast period.")] = None,
    horizon: Annotated[int, typer.Option(help="Periods to forecast.")] = 3,
    dims: Annotated[str, typer.Option(help="Breakdown such as SEX=F.")] = "",
    as_of: Annotated[str | None, typer.Option(help="Read the series as published then (ISO 8601).")] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """What-if: the indicator's base and scenario paths when the driver changes (nothing is stored)."""
    from citybase.analysis.forecast_scenario import Driver, run_scenario

    with console_transaction(database_url, write=False) as conn:
        found = run_scenario(
            conn,
            Actor.system(Channel.CLI),
            indicator,
            region,
            Driver(driver, driver_region or region, growth_pp=growth_pp, level=level),
            horizon,
            dims=dims,
            as_of=_moment(as_of),
        )
    change = f"growth {growth_pp:+g} pp" if growth_pp is not None else f"level {level:g}"
    console.print(
        f"{found.indicator} {found.region}: {found.driver.indicator} {found.driver.region} {change}"
    )
    print_table(
        ("period", f"base ({found.unit})", "scenario", "difference"),
        [
            [line.period, _number(line.base), _number(line.scenario), _number(line.difference)]
            for line in found.lines
        ],
    )
