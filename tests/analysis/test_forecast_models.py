"""The forecasting core without a database: MASE by hand, backtest plans, model choice, interval coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from citybase.analysis.forecast_models import (
    COMBINATION,
    NAIVE,
    SEASONAL_NAIVE,
    Backtest,
    ModelSpec,
    backtest_scores,
    combine,
    default_models,
    fit,
    forecast_values,
    mase_scale,
    naive_path,
    plan_backtest,
)
from citybase.errors import InvalidInput
from citybase.transform.periods import Frequency

TINY = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0, 22.0, 29.0, 37.0]
DRIFT = ModelSpec("Drift", "RandomWalkWithDrift", {})
MEAN = ModelSpec("Mean", "HistoricAverage", {})
LAST = ModelSpec("Last", "Naive", {})


def test_mase_by_hand_on_a_tiny_series() -> None:
    # One origin: fit on 1 2 4 7 11 16, test on 22 29 37. Scale: mean |Δ| = (1+2+3+4+5)/5 = 3.
    # Naive says 16 16 16: errors 6 13 21, MAE 40/3, MASE 40/9. Drift (slope (16-1)/5 = 3) says 19 22 25:
    # errors 3 7 12, MAE 22/3, MASE 22/9.
    scores, failures = backtest_scores(TINY, 1, Backtest(origins=1, horizon=3, min_train=6), [DRIFT])
    assert failures == {}
    assert scores[NAIVE].mae == pytest.approx(40 / 3)
    assert scores[NAIVE].mase == pytest.approx(40 / 9)
    assert scores[SEASONAL_NAIVE].mase == pytest.approx(40 / 9)  # yearly: the season is one period
    assert scores["Drift"].mase == pytest.approx(22 / 9)
    assert scores[COMBINATION].mase is None  # one model is no combination


def test_mase_averages_over_origins() -> None:
    # Two origins on TINY with horizon 1: fit on the first 7 (scale 21/6 = 3.5; naive 22 for 29, error 7)
    # and on the first 8 (scale 28/7 = 4; naive 29 for 37, error 8): MASE (2 + 2) / 2 = 2.
    scores, _ = backtest_scores(TINY, 1, Backtest(origins=2, horizon=1, min_train=6), [])
    assert scores[NAIVE].mase == pytest.approx((7 / 3.5 + 8 / 4) / 2)
    assert scores[NAIVE].mae == pytest.approx(7.5)


def test_seasonal_naive_and_its_scale() -> None:
    train = [10.0, 20.0, 30.0, 40.0, 12.0, 22.0, 32.0, 42.0]
    assert naive_path(train, 6, 4) == (12.0, 22.0, 32.0, 42.0, 12.0, 22.0)
    assert naive_path(train, 2, 1) == (42.0, 42.0)
    assert mase_scale(train, 4) == pytest.approx(2.0)
    assert mase_scale(train, 1) == pytest.approx((10 + 10 + 10 + 28 + 10 + 10 + 10) / 7)


def test_backtest_plan_follows_length_and_frequency() -> None:
    assert plan_backtest(24, Frequency.YEAR, 3) == Backtest(origins=5, horizon=3, min_train=6)
    assert plan_backtest(10, Frequency.YEAR, 3) == Backtest(origins=2, horizon=3, min_train=6)
    assert plan_backtest(9, Frequency.YEAR, 3).origins == 1
    assert plan_backtest(120, Frequency.MONTH, 12) == Backtest(origins=3, horizon=12, min_train=26)
    assert plan_backtest(30, Frequency.QUARTER, 4).origins == 4


def test_a_series_too_short_is_refused_with_what_it_needs() -> None:
    with pytest.raises(InvalidInput) as caught:
        forecast_values(TINY[:8], Frequency.YEAR, 3, series="GDP 440305")
    text = caught.value.render()
    assert "GDP 440305 has 8 values by year" in text
    assert "needs at least 9 (6 to fit on and 3 to test one backtest origin)" in text
    with pytest.raises(InvalidInput, match="needs at least 38"):
        plan_backtest(37, Frequency.MONTH, 12)


def test_horizon_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidInput, match="between 1 and 36 periods, not 0"):
        plan_backtest(30, Frequency.YEAR, 0)
    with pytest.raises(InvalidInput, match="not 37"):
        plan_backtest(300, Frequency.MONTH, 37)


def test_a_constant_series_is_refused() -> None:
    with pytest.raises(InvalidInput, match="does not change"):
        forecast_values([5.0] * 12, Frequency.YEAR, 2)


def test_backtest_picks_drift_on_a_trend() -> None:
    rng = np.random.default_rng(7)
    trend = [100 + 5 * t + float(noise) for t, noise in enumerate(rng.normal(0, 0.5, 20))]
    result = forecast_values(trend, Frequency.YEAR, 2, models=[MEAN, LAST, DRIFT])
    assert result.model == "Drift"
    assert result.scores["Drift"].mase is not None
    assert result.mase == result.scores["Drift"].mase
    assert result.scores["Drift"].mase < result.scores["Last"].mase < result.scores["Mean"].mase  # type: ignore[operator]
    assert result.beats_naive
    # The forecast continues the trend: about 5 a year past the last value.
    assert result.band.mean[0] == pytest.approx(trend[-1] + 5, abs=0.5)


def test_backtest_picks_the_seasonal_model_on_a_seasonal_series() -> None:
    pattern = [10.0, 50.0, 30.0, 80.0]
    series = [value + 0.01 * step for step, value in enumerate(pattern * 5)]
    seasonal = ModelSpec("Repeat", "SeasonalNaive", {"season_length": 4})
    result = forecast_values(series, Frequency.QUARTER, 4, models=[DRIFT, seasonal, MEAN])
    assert result.model == "Repeat"
    assert result.mase_seasonal_naive == pytest.approx(result.mase)
    assert result.mase_naive is not None
    assert result.mase is not None
    assert result.mase < result.mase_naive


def test_the_combination_is_the_mean_of_the_members_and_their_bounds() -> None:
    first = fit(DRIFT, TINY, 2)
    second = fit(LAST, TINY, 2)
    both = combine([first, second])
    assert both.mean == tuple((a + b) / 2 for a, b in zip(first.mean, second.mean, strict=True))
    assert both.lower_95 == tuple((a + b) / 2 for a, b in zip(first.lower_95, second.lower_95, strict=True))
    assert second.mean == (37.0, 37.0)


def test_the_default_models_and_combination_on_a_real_shape() -> None:
    series = [1954.17 * 1.12**step for step in range(20)]
    result = forecast_values(series, Frequency.YEAR, 3)
    assert set(result.scores) == {"AutoETS", "AutoARIMA", "AutoTheta", COMBINATION, NAIVE, SEASONAL_NAIVE}
    assert result.model in {"AutoETS", "AutoARIMA", "AutoTheta", COMBINATION}
    band = result.band
    for step in range(3):
        assert band.lower_95[step] <= band.lower_80[step] <= band.mean[step]
        assert band.mean[step] <= band.upper_80[step] <= band.upper_95[step]
    assert result.models == default_models(1)


def test_intervals_cover_held_back_points() -> None:
    """100 random walks with drift (N(0, 1) steps), 40 values each, 4 held back: 400 points.

    Tolerance: the combination's 95% band must cover 88–99% of them and its 80% band 70–90%. Short
    series make fitted intervals a little narrow (parameter uncertainty is not in them), and the points of
    one series move together, so the band around the nominal rate is wider than the binomial ±2%."""
    rng = np.random.default_rng(2024)
    covered_80 = covered_95 = total = 0
    for _ in range(100):
        path = 100 + np.cumsum(0.5 + rng.normal(0, 1, 44))
        train, held = [float(v) for v in path[:40]], [float(v) for v in path[40:]]
        band = combine([fit(spec, train, 4) for spec in default_models(1)])
        for step, actual in enumerate(held):
            covered_80 += band.lower_80[step] <= actual <= band.upper_80[step]
            covered_95 += band.lower_95[step] <= actual <= band.upper_95[step]
            total += 1
    assert 0.88 <= covered_95 / total <= 0.99, covered_95 / total
    assert 0.70 <= covered_80 / total <= 0.90, covered_80 / total
    assert math.isclose(total, 400)
