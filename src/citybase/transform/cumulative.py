"""Year-to-date (年初累计) and single-period values derived from each other, for flows.

A single period is the difference of two year-to-date values (2024Q3 = 2024年1-9月 − 2024年1-6月); a
year-to-date value is the sum of the single periods it covers. Only values that are not already stored
are derived, and only when every input is there.
"""

from __future__ import annotations

from collections.abc import Mapping

from citybase.transform.periods import Frequency, Period


def singles_from_cumulative(values: Mapping[Period, float], frequency: Frequency) -> dict[Period, float]:
    """Single periods of `frequency` computable from consecutive year-to-date values."""
    derived: dict[Period, float] = {}
    for period, value in values.items():
        if period.start_month != 1 or not period.fits(frequency) or period.length == frequency.months:
            continue
        single = Period(period.year, period.end_month - frequency.months + 1, period.end_month)
        before = Period(period.year, 1, single.start_month - 1)
        if single not in values and before in values:
            derived[single] = value - values[before]
    return derived


def cumulative_from_singles(values: Mapping[Period, float], frequency: Frequency) -> dict[Period, float]:
    """Year-to-date values computable by summing the single periods from January."""
    derived: dict[Period, float] = {}
    years = {period.year for period in values}
    for year in years:
        running = 0.0
        for end in range(frequency.months, 13, frequency.months):
            single = Period(year, end - frequency.months + 1, end)
            if single not in values:
                break
            running += values[single]
            target = Period(year, 1, end)
            if target != single and target not in values:
                derived[target] = running
    return derived
