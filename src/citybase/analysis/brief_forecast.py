"""The brief's forecast section: the next periods after the brief's own period with 80% and 95% intervals,
fitted on the series up to that period; a stored run on exactly those inputs is reused, otherwise the
forecast is computed (and not stored). The backtest's MASE is set beside the naive forecast's, plainly."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.analysis.brief_model import Cell, Chart, ChartSeries, Column, Draft, Section, Table
from citybase.analysis.brief_text import number
from citybase.analysis.forecast_models import COMBINATION
from citybase.analysis.forecast_runs import ForecastRun, compute, list_runs
from citybase.analysis.forecast_series import InputSeries, read_series
from citybase.errors import CityBaseError, InvalidInput
from citybase.messages import N_, message
from citybase.transform.periods import Period, parse_period

HEADING = "五、趋势预测"
SHOWN_HISTORY = 8


def forecast_section(
    conn: Connection,
    actor: Actor,
    draft: Draft,
    indicator: str,
    when: Period,
    as_of: dt.datetime | None,
    horizon: int,
) -> Section:
    try:
        series = _series_until(conn, actor, indicator, draft.region, when, as_of)
        run = _stored(conn, actor, series, horizon) or compute(series, horizon)
    except CityBaseError as error:
        draft.missing("forecast", "趋势预测", error.message)
        return Section(
            key="forecast", heading=HEADING, paragraphs=("历史数据不足，本期未作预测，详见数据说明。",)
        )
    points = run.points[:horizon]
    draft.calculations["forecast"] = _as_dict(run, horizon)
    unit = run.unit
    first, last = run.inputs[0], run.inputs[-1]
    filled = [parse_period(point.period).label_zh() for point in run.inputs if point.filled]
    sample = (
        f"以{parse_period(first.period).label_zh()}至{parse_period(last.period).label_zh()}的"
        f"地区生产总值（{len(run.inputs)}个数值"
        + (f"，其中{'、'.join(filled)}无数值，按相邻数值插值" if filled else "")
        + "）为样本"
    )
    chosen = "三个模型的等权组合" if run.model == COMBINATION else f"{run.model}模型"
    outlook = "；".join(
        f"{parse_period(point.period).label_zh()}为{number(point.value, 2)}{unit}"
        f"（80%预测区间{number(point.lower_80, 2)}～{number(point.upper_80, 2)}，"
        f"95%预测区间{number(point.lower_95, 2)}～{number(point.upper_95, 2)}）"
        for point in points
    )
    paragraphs = [
        f"{sample}，经滚动起点回测比较AutoETS、AutoARIMA、AutoTheta及其等权组合，选用{chosen}。"
        f"预计{outlook}。",
        _quality(run),
        f"本预测为已存储的第{run.id}号预测运行。"
        if run.id is not None
        else "本预测在生成报告时计算，未存储；输入数据、模型参数和回测结果随报告的数据附件一并提供。",
    ]
    return Section(
        key="forecast",
        heading=HEADING,
        paragraphs=tuple(paragraphs),
        tables=(_table(run, horizon),),
        charts=(_chart(run, horizon),),
    )


def _series_until(
    conn: Connection, actor: Actor, indicator: str, region: str, when: Period, as_of: dt.datetime | None
) -> InputSeries:
    """The series as the forecast reads it, cut after the brief's period (and any filled end)."""
    series = read_series(conn, actor, indicator, region, as_of=as_of)
    kept = [
        point
        for point in series.points
        if parse_period(point.period).last_month_index <= when.last_month_index
    ]
    while kept and kept[-1].filled:
        kept.pop()
    if not kept:
        raise InvalidInput(
            message(
                N_("There are no values of {indicator} for region {region} up to {period} to forecast from"),
                indicator=indicator,
                region=region,
                period=str(when),
            )
        )
    # The notes of the whole series may name periods after the cut; the filled points say what was filled.
    return replace(series, points=tuple(kept), notes=())


def _stored(conn: Connection, actor: Actor, series: InputSeries, horizon: int) -> ForecastRun | None:
    for run in list_runs(conn, actor, indicator=series.indicator, region=series.region, limit=50):
        if (
            run.dims == series.dims
            and run.frequency == series.frequency.value
            and run.horizon >= horizon
            and run.inputs == series.points
        ):
            return run
    return None


def _quality(run: ForecastRun) -> str:
    mase, naive = run.mase, run.mase_naive
    if mase is None or naive is None:
        return "回测未能给出误差比较，预测仅供参考。"
    scores = (
        f"回测的平均绝对标度误差（MASE）为{number(mase, 2)}，朴素预测（沿用上期数值）为{number(naive, 2)}"
    )
    if run.beats_naive:
        return f"{scores}，所选模型优于朴素预测。"
    return f"{scores}：所选模型未能胜过朴素预测，本预测不比直接沿用上期数值更可信，仅供参考。"


def _table(run: ForecastRun, horizon: int) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (
            parse_period(point.period).label_zh(),
            round(point.value, 2),
            round(point.lower_80, 2),
            round(point.upper_80, 2),
            round(point.lower_95, 2),
            round(point.upper_95, 2),
        )
        for point in run.points[:horizon]
    ]
    unit = run.unit
    return Table(
        key="forecast",
        title="表5 地区生产总值预测",
        columns=(
            Column("期间"),
            Column(f"预测值（{unit}）", 2),
            Column(f"80%下限（{unit}）", 2),
            Column(f"80%上限（{unit}）", 2),
            Column(f"95%下限（{unit}）", 2),
            Column(f"95%上限（{unit}）", 2),
        ),
        rows=tuple(rows),
        note=f"模型：{run.model}；回测MASE {_score(run.mase)}，朴素预测MASE {_score(run.mase_naive)}。",
    )


def _score(value: float | None) -> str:
    return "—" if value is None else number(value, 3)


def _chart(run: ForecastRun, horizon: int) -> Chart:
    history = run.inputs[-SHOWN_HISTORY:]
    points = run.points[:horizon]
    blank: list[float | None] = [None] * len(history)
    ahead: list[float | None] = [None] * len(points)
    return Chart(
        key="forecast",
        title=f"图4 地区生产总值实际值与预测（{run.unit}）",
        kind="line",
        categories=tuple(
            parse_period(period).label_zh()
            for period in [item.period for item in history] + [item.period for item in points]
        ),
        series=(
            ChartSeries("实际值", tuple([round(point.value, 2) for point in history] + ahead)),
            ChartSeries("预测值", tuple(blank + [round(point.value, 2) for point in points])),
            ChartSeries("95%下限", tuple(blank + [round(point.lower_95, 2) for point in points])),
            ChartSeries("95%上限", tuple(blank + [round(point.upper_95, 2) for point in points])),
        ),
        unit=run.unit,
    )


def _as_dict(run: ForecastRun, horizon: int) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "indicator": run.indicator,
        "region": run.region,
        "frequency": run.frequency,
        "horizon": horizon,
        "as_of": run.as_of.isoformat(),
        "model": run.model,
        "mase": run.mase,
        "mase_naive": run.mase_naive,
        "mase_seasonal_naive": run.mase_seasonal_naive,
        "beats_naive": run.beats_naive,
        "candidates": run.metrics,
        "points": [point.__dict__ for point in run.points[:horizon]],
        "inputs": [point.as_dict() for point in run.inputs],
        "parameters": run.parameters,
    }
