"""Pattern breaks in one series: the growth of each value over the one a year earlier (or, for a yearly
series, the year before) scored against the series' own growths with a modified z-score.

Comparing with the same period a year earlier removes seasonality (a December peak that comes every year
is no break); subtracting the median growth removes the trend. Median and MAD keep one wild value from
hiding itself, and a value that merely returns to the pattern after a break is not reported twice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import median

# 0.6745 is the 0.75 quantile of the standard normal: MAD / 0.6745 estimates the standard deviation.
MAD_FACTOR = 0.6745
# With MAD = 0 (most growths equal) the mean absolute deviation stands in: 1.253314 = sqrt(pi / 2).
MEAN_AD_FACTOR = 1.253314
DEFAULT_THRESHOLD = 3.5
MINIMUM_GROWTHS = 6  # a yearly series needs seven consecutive years; sub-annual ones two full years more


class Basis(StrEnum):
    """How one value is compared with its base: a log ratio (levels) or a difference (rates, shares)."""

    RATIO = "ratio"
    DIFFERENCE = "difference"


@dataclass(frozen=True)
class RobustScale:
    median: float
    mad: float
    scale: float  # the robust standard deviation: MAD / 0.6745, or 1.253314 × mean absolute deviation


def modified_zscores(values: Sequence[float]) -> tuple[list[float], RobustScale] | None:
    """0.6745 × (x − median) / MAD for each value; None when every value is the same (nothing stands out)."""
    if not values:
        return None
    middle = median(values)
    deviations = [abs(value - middle) for value in values]
    mad = median(deviations)
    scale = mad / MAD_FACTOR if mad > 0 else MEAN_AD_FACTOR * sum(deviations) / len(deviations)
    if scale <= 0:
        return None
    return [(value - middle) / scale for value in values], RobustScale(middle, mad, scale)


def minimum_growths(periods_per_year: int) -> int:
    """Growths a series needs before it is scored: six, and at least two full years of them."""
    return max(MINIMUM_GROWTHS, 2 * periods_per_year)


@dataclass(frozen=True)
class Point:
    position: int  # consecutive periods of the series' shape are consecutive positions
    period: str
    value: float


@dataclass(frozen=True)
class Break:
    """A value whose growth breaks the series' pattern, with everything the score was computed from."""

    point: Point
    base: Point
    basis: Basis
    score: float
    raw_growth: float  # what was scored: a log ratio, or a difference
    growth: float  # in percent for the ratio basis, in the indicator's unit for the difference basis
    expected: float
    low: float
    high: float
    scale: RobustScale
    growths: int
    reverted: tuple[Point, float] | None  # the next value that returns to the pattern, and its own score

    @property
    def median_growth(self) -> float:
        return _shown(self.basis, self.scale.median)


def _growth(basis: Basis, value: float, base: float) -> float:
    return math.log(value / base) if basis is Basis.RATIO else value - base


def _shown(basis: Basis, growth: float) -> float:
    """A growth as people read it: percent for a log ratio, the difference itself otherwise."""
    return (math.exp(growth) - 1) * 100 if basis is Basis.RATIO else growth


def _apply(basis: Basis, base: float, growth: float) -> float:
    return base * math.exp(growth) if basis is Basis.RATIO else base + growth


def series_breaks(
    points: Sequence[Point], lag: int, basis: Basis, threshold: float = DEFAULT_THRESHOLD
) -> list[Break] | None:
    """The values whose growth over the value `lag` positions earlier scores beyond `threshold`.

    None when the series has too few growths to judge (see `minimum_growths`)."""
    by_position = {point.position: point for point in points}
    pairs = [
        (point, by_position[point.position - lag])
        for point in sorted(points, key=lambda item: item.position)
        if point.position - lag in by_position
    ]
    if basis is Basis.RATIO:
        pairs = [(point, base) for point, base in pairs if point.value > 0 and base.value > 0]
    if len(pairs) < minimum_growths(lag):
        return None
    growths = [_growth(basis, point.value, base.value) for point, base in pairs]
    scored = modified_zscores(growths)
    if scored is None:
        return []
    scores, scale = scored
    flagged = {
        point.position: (point, base, growth, score)
        for (point, base), growth, score in zip(pairs, growths, scores, strict=True)
        if abs(score) > threshold
    }
    found: dict[int, Break] = {}
    for position in sorted(flagged):
        point, base, growth, score = flagged[position]
        earlier = found.get(position - lag)
        if earlier is not None and _returns(earlier, growth, score, scale, basis, threshold):
            # A value back in line after a break scores as a break of its own; show it with the first.
            found[position - lag] = _with_reversion(earlier, point, score)
            continue
        spread = threshold * scale.scale
        found[position] = Break(
            point=point,
            base=base,
            basis=basis,
            score=score,
            raw_growth=growth,
            growth=_shown(basis, growth),
            expected=_apply(basis, base.value, scale.median),
            low=_apply(basis, base.value, scale.median - spread),
            high=_apply(basis, base.value, scale.median + spread),
            scale=scale,
            growths=len(growths),
            reverted=None,
        )
    return list(found.values())


def _returns(
    earlier: Break, growth: float, score: float, scale: RobustScale, basis: Basis, threshold: float
) -> bool:
    """Whether a break of the opposite sign brings the series back: the two growths together, over two
    steps, score within the threshold (their spread is √2 times one growth's)."""
    if earlier.reverted is not None or (earlier.score > 0) == (score > 0):
        return False
    both = _growth(basis, earlier.point.value, earlier.base.value) + growth
    return abs(both - 2 * scale.median) / (math.sqrt(2) * scale.scale) <= threshold


def _with_reversion(earlier: Break, point: Point, score: float) -> Break:
    return Break(**{**earlier.__dict__, "reverted": (point, score)})
