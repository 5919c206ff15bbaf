"""The forecasting core: statsforecast models, their equal-weight combination, and the rolling-origin
backtest that scores every candidate by MASE against the naive and seasonal-naive forecasts.

Nothing here touches the database; the same numbers in and the same settings give the same numbers out.
statsforecast (and with it pandas and scipy) is imported only when a model is fitted, so commands that
never forecast do not pay the second it takes to import.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from citybase.errors import InvalidInput
from citybase.messages import N_, message
from citybase.transform.periods import Frequency

LEVELS = (80, 95)
COMBINATION = "Combination"
NAIVE = "Naive"
SEASONAL_NAIVE = "SeasonalNaive"
MAX_HORIZON = 36

SEASON_LENGTHS = {Frequency.YEAR: 1, Frequency.HALF: 2, Frequency.QUARTER: 4, Frequency.MONTH: 12}
# The most backtest origins per frequency; shorter series get fewer, down to one.
MAX_ORIGINS = {Frequency.YEAR: 5, Frequency.HALF: 4, Frequency.QUARTER: 4, Frequency.MONTH: 3}
# The fewest values a model is fitted on: two seasons and a little more where there is a season.
MIN_TRAIN = {Frequency.YEAR: 6, Frequency.HALF: 8, Frequency.QUARTER: 10, Frequency.MONTH: 26}
# AutoARIMA's search is bounded, and scored by approximate likelihood, so a monthly series fits in about a
# tenth of a second rather than most of a second; the bounds are stored with every run.
ARIMA_LIMITS: dict[str, Any] = {"max_p": 3, "max_q": 3, "max_P": 1, "max_Q": 1, "approximation": True}


@dataclass(frozen=True)
class ModelSpec:
    """A statsforecast model by its class name and keyword arguments, so a stored run can rebuild it."""

    name: str
    cls: str
    params: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "class": self.cls, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSpec:
        return cls(name=data["name"], cls=data["class"], params=dict(data["params"]))


@dataclass(frozen=True)
class Backtest:
    origins: int
    horizon: int
    min_train: int
    step: int = 1

    def as_dict(self) -> dict[str, int]:
        return {
            "origins": self.origins,
            "horizon": self.horizon,
            "min_train": self.min_train,
            "step": self.step,
        }


@dataclass(frozen=True)
class Band:
    """A forecast path with its 80% and 95% bounds, one number per future period."""

    mean: tuple[float, ...]
    lower_80: tuple[float, ...]
    upper_80: tuple[float, ...]
    lower_95: tuple[float, ...]
    upper_95: tuple[float, ...]


@dataclass(frozen=True)
class Score:
    """A candidate's backtest: mean MASE and MAE over the origins (None when the model could not fit)."""

    mase: float | None
    mae: float | None


@dataclass(frozen=True)
class ForecastResult:
    model: str
    band: Band
    scores: dict[str, Score]
    backtest: Backtest
    season_length: int
    models: tuple[ModelSpec, ...]
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def mase(self) -> float | None:
        return self.scores[self.model].mase

    @property
    def mase_naive(self) -> float | None:
        return self.scores[NAIVE].mase

    @property
    def mase_seasonal_naive(self) -> float | None:
        return self.scores[SEASONAL_NAIVE].mase

    @property
    def beats_naive(self) -> bool:
        naive = self.mase_naive
        return self.mase is not None and naive is not None and self.mase < naive


def default_models(season_length: int) -> tuple[ModelSpec, ...]:
    return (
        ModelSpec("AutoETS", "AutoETS", {"season_length": season_length}),
        ModelSpec("AutoARIMA", "AutoARIMA", {"season_length": season_length, **ARIMA_LIMITS}),
        ModelSpec("AutoTheta", "AutoTheta", {"season_length": season_length}),
    )


def plan_backtest(length: int, frequency: Frequency, horizon: int, series: str = "") -> Backtest:
    """As many origins (up to the frequency's maximum) as the series allows; refuse a series too short."""
    if not 1 <= horizon <= MAX_HORIZON:
        raise InvalidInput(
            message(
                N_("The horizon must lie between 1 and {max} periods, not {horizon}"),
                max=MAX_HORIZON,
                horizon=horizon,
            )
        )
    min_train = MIN_TRAIN[frequency]
    needed = min_train + horizon
    if length < needed:
        raise InvalidInput(
            message(
                N_(
                    "The series {series} has {count} values by {frequency}; forecasting {horizon} periods "
                    "ahead needs at least {needed} ({train} to fit on and {horizon} to test one backtest "
                    "origin)"
                ),
                series=series or "-",
                count=length,
                frequency=frequency.value,
                horizon=horizon,
                needed=needed,
                train=min_train,
            )
        )
    origins = min(MAX_ORIGINS[frequency], length - needed + 1)
    return Backtest(origins=origins, horizon=horizon, min_train=min_train)


def fit(spec: ModelSpec, values: Sequence[float], horizon: int) -> Band:
    """Fit one model on `values` and forecast `horizon` periods with 80% and 95% intervals."""
    import numpy as np
    import statsforecast.models

    model = getattr(statsforecast.models, spec.cls)(**spec.params)
    # statsforecast warns about convergence on short series; the backtest judges the fit instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = model.forecast(y=np.asarray(values, dtype=np.float64), h=horizon, level=list(LEVELS))

    def column(key: str) -> tuple[float, ...]:
        numbers = tuple(float(number) for number in np.asarray(found[key], dtype=np.float64))
        if len(numbers) != horizon or not all(math.isfinite(number) for number in numbers):
            raise ValueError(f"{spec.name} gave no finite {key} forecast")
        return numbers

    return Band(column("mean"), column("lo-80"), column("hi-80"), column("lo-95"), column("hi-95"))


def combine(bands: Sequence[Band]) -> Band:
    """The equal-weight combination: the mean of the members' forecasts and of their bounds."""

    return Band(
        *(
            _mean_path([getattr(band, pick) for band in bands])
            for pick in ("mean", "lower_80", "upper_80", "lower_95", "upper_95")
        )
    )


def naive_path(train: Sequence[float], horizon: int, season_length: int) -> tuple[float, ...]:
    """The seasonal naive forecast: each future period repeats the same period one season earlier."""
    start = len(train) - season_length
    return tuple(train[start + step % season_length] for step in range(horizon))


def mase_scale(train: Sequence[float], season_length: int) -> float:
    """The in-sample mean absolute seasonal difference, MASE's denominator (Hyndman & Koehler 2006)."""
    differences = [abs(train[t] - train[t - season_length]) for t in range(season_length, len(train))]
    return math.fsum(differences) / len(differences)


def backtest_scores(
    values: Sequence[float], season_length: int, plan: Backtest, models: Sequence[ModelSpec]
) -> tuple[dict[str, Score], dict[str, str]]:
    """Each candidate (every model, the combination, naive, seasonal naive) scored at every origin; a model
    that fails at any origin drops out, and the combination is of the models that fitted everywhere."""
    origins: list[tuple[list[float], float, dict[str, tuple[float, ...]]]] = []
    failures: dict[str, str] = {}
    for index in range(plan.origins):
        end = len(values) - plan.horizon - (plan.origins - 1 - index) * plan.step
        train, actual = list(values[:end]), list(values[end : end + plan.horizon])
        scale = mase_scale(train, season_length)
        if scale == 0:
            raise InvalidInput(message(N_("The series does not change, so there is nothing to forecast")))
        paths: dict[str, tuple[float, ...]] = {
            NAIVE: naive_path(train, plan.horizon, 1),
            SEASONAL_NAIVE: naive_path(train, plan.horizon, season_length),
        }
        for spec in models:
            if spec.name in failures:
                continue
            try:
                paths[spec.name] = fit(spec, train, plan.horizon).mean
            # statsforecast raises many kinds of error on degenerate data; a failed candidate drops out.
            except Exception as exc:
                failures[spec.name] = str(exc) or type(exc).__name__
        origins.append((actual, scale, paths))
    working = [spec.name for spec in models if spec.name not in failures]
    scores: dict[str, Score] = {}
    for name in [*(spec.name for spec in models), COMBINATION, NAIVE, SEASONAL_NAIVE]:
        if name in failures or (name == COMBINATION and len(working) < 2):
            scores[name] = Score(None, None)
            continue
        maes, mases = [], []
        for actual, scale, paths in origins:
            path = paths[name] if name != COMBINATION else _mean_path([paths[member] for member in working])
            mae = math.fsum(abs(a - f) for a, f in zip(actual, path, strict=True)) / plan.horizon
            maes.append(mae)
            mases.append(mae / scale)
        scores[name] = Score(mase=math.fsum(mases) / len(mases), mae=math.fsum(maes) / len(maes))
    return scores, failures


def _mean_path(paths: Sequence[tuple[float, ...]]) -> tuple[float, ...]:
    return tuple(math.fsum(step) / len(paths) for step in zip(*paths, strict=True))


def choose(scores: Mapping[str, Score], candidates: Sequence[str]) -> str:
    """The candidate with the lowest backtest MASE; ties go to the earlier candidate."""
    scored = [
        (mase, position, name)
        for position, name in enumerate(candidates)
        if (mase := scores[name].mase) is not None
    ]
    if not scored:
        raise InvalidInput(message(N_("No forecasting model could be fitted to the series")))
    return min(scored)[2]


def forecast_values(
    values: Sequence[float],
    frequency: Frequency,
    horizon: int,
    models: Sequence[ModelSpec] | None = None,
    plan: Backtest | None = None,
    series: str = "",
) -> ForecastResult:
    """Backtest every model and the combination, choose the lowest MASE, and forecast with it."""
    season_length = SEASON_LENGTHS[frequency]
    chosen_models = tuple(models) if models is not None else default_models(season_length)
    plan = plan or plan_backtest(len(values), frequency, horizon, series)
    scores, failures = backtest_scores(values, season_length, plan, chosen_models)
    working = [spec for spec in chosen_models if spec.name not in failures]
    candidates = [spec.name for spec in working] + ([COMBINATION] if len(working) > 1 else [])
    model = choose(scores, candidates)
    if model == COMBINATION:
        band = combine([fit(spec, values, horizon) for spec in working])
    else:
        band = fit(next(spec for spec in working if spec.name == model), values, horizon)
    return ForecastResult(
        model=model,
        band=band,
        scores=scores,
        backtest=plan,
        season_length=season_length,
        models=chosen_models,
        failures=failures,
    )


def statsforecast_version() -> str:
    from importlib.metadata import version

    return version("statsforecast")
