"""Forecasting: 1,000 yearly and 1,000 monthly synthetic series through the full model set and backtest
(series per second), and the accuracy of the equal-weight combination on the held-back last three years of
the real province and major-city series bundled with the demo, against the naive forecast.

Baselines in the same run: for speed, fitting the three models once per series with no backtest (what
the backtest and the choice add); for accuracy, the naive forecast (the last value carried forward).
Accuracy is MASE: the mean absolute error over the held-back points divided by the in-sample mean absolute
one-step change, averaged over series (reported ×100, so 100 is as good as naive is in sample).
"""

from __future__ import annotations

import csv
import io
import math
import random
import time
from collections import defaultdict
from importlib import resources

from bench.harness import Context, Report

NAME = "forecast"
DESCRIPTION = "1,000 yearly and 1,000 monthly series through AutoETS, AutoARIMA, AutoTheta and the backtest"

REAL_FILES = (
    "province-gdp-1993-2017-vintage2018.csv",
    "province-indicators.csv",
    "major-cities-indicators.csv",
)
HELD_BACK = 3


def yearly_series(rng: random.Random, length: int = 30) -> list[float]:
    """Growth around 6% a year with shocks, like a city's GDP."""
    value, found = 100.0, []
    for _ in range(length):
        value *= 1 + rng.gauss(0.06, 0.03)
        found.append(value)
    return found


def monthly_series(rng: random.Random, length: int = 120) -> list[float]:
    """A trend, a yearly season and noise, like monthly retail sales."""
    shape = [rng.gauss(0, 8) for _ in range(12)]
    level, found = 200.0, []
    for month in range(length):
        level += rng.gauss(0.8, 2.0)
        found.append(level + shape[month % 12] + rng.gauss(0, 3))
    return found


def real_series() -> dict[tuple[str, str], list[float]]:
    """Each yearly series of the bundled files, as its longest run of consecutive years at the end;
    a series repeated in another file is counted once."""
    by_key: dict[tuple[str, str, str], dict[int, float]] = defaultdict(dict)
    for name in REAL_FILES:
        text = resources.files("citybase.demo").joinpath("data", name).read_text(encoding="utf-8")
        for row in csv.DictReader(io.StringIO(text)):
            if row["period"].isdigit() and row["value"]:
                by_key[(name, row["indicator_code"], row["region_code"])][int(row["period"])] = float(
                    row["value"]
                )
    found: dict[tuple[str, str], list[float]] = {}
    seen: set[tuple[float, ...]] = set()
    for (_name, indicator, region), values in sorted(by_key.items()):
        years = sorted(values)
        start = len(years) - 1
        while start > 0 and years[start - 1] == years[start] - 1:
            start -= 1
        series = [values[year] for year in years[start:]]
        if tuple(series) in seen:
            continue
        seen.add(tuple(series))
        found[(indicator, region)] = series
    return found


def run(ctx: Context, report: Report) -> None:
    from citybase.analysis.forecast_models import (
        MIN_TRAIN,
        combine,
        default_models,
        fit,
        forecast_values,
        mase_scale,
        naive_path,
    )
    from citybase.transform.periods import Frequency

    count = 50 if ctx.quick else 1000
    rng = random.Random(2017)
    workloads = {
        "yearly": (Frequency.YEAR, 3, [yearly_series(rng) for _ in range(count)]),
        "monthly": (Frequency.MONTH, 12, [monthly_series(rng) for _ in range(count)]),
    }
    for label, (frequency, horizon, series) in workloads.items():
        ctx.log(f"{count:,} {label} series of {len(series[0])} values, horizon {horizon}, full backtest")
        season = {Frequency.YEAR: 1, Frequency.MONTH: 12}[frequency]
        started = time.perf_counter()
        chosen: dict[str, int] = defaultdict(int)
        for values in series:
            chosen[forecast_values(values, frequency, horizon).model] += 1
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        for values in series:
            for spec in default_models(season):
                fit(spec, values, horizon)
        bare = time.perf_counter() - started
        report.add(
            f"{label}_rate",
            f"{label} series per second (3 models, backtest, choice, forecast)",
            count / seconds,
            "/s",
            higher_is_better=True,
            baseline=f"{label}_bare",
        )
        report.add(
            f"{label}_bare",
            f"{label} series per second, fitting the 3 models once",
            count / bare,
            "/s",
            higher_is_better=True,
            is_baseline=True,
        )
        report.notes.append(f"{label}: models chosen {dict(sorted(chosen.items()))}")
        ctx.log(f"{label}: {count / seconds:.1f} series/s with the backtest, {count / bare:.1f} bare")

    mase_combination, mase_naive, used = [], [], 0
    for values in real_series().values():
        if len(values) < MIN_TRAIN[Frequency.YEAR] + HELD_BACK:
            continue
        train, held = values[:-HELD_BACK], values[-HELD_BACK:]
        scale = mase_scale(train, 1)
        if scale == 0:
            continue
        band = combine([fit(spec, train, HELD_BACK) for spec in default_models(1)])
        naive = naive_path(train, HELD_BACK, 1)
        mase_combination.append(
            sum(abs(a - f) for a, f in zip(held, band.mean, strict=True)) / HELD_BACK / scale
        )
        mase_naive.append(sum(abs(a - f) for a, f in zip(held, naive, strict=True)) / HELD_BACK / scale)
        used += 1
    combination = math.fsum(mase_combination) / used
    naive_mean = math.fsum(mase_naive) / used
    wins = sum(c < n for c, n in zip(mase_combination, mase_naive, strict=True))
    report.add(
        "real_mase_combination",
        f"combination MASE ×100, last {HELD_BACK} years of {used} real series",
        combination * 100,
        "%",
        baseline="real_mase_naive",
    )
    report.add("real_mase_naive", "naive MASE ×100, same points", naive_mean * 100, "%", is_baseline=True)
    verdict = "beats" if combination < naive_mean else "does NOT beat"
    summary = (
        f"real series: combination MASE {combination:.3f} vs naive {naive_mean:.3f} over {used} series "
        f"({wins} series better than naive): the combination {verdict} naive"
    )
    report.notes.append(summary)
    print(f"  {summary}", flush=True)
