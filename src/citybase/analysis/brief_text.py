"""How the brief writes numbers, changes and dates in Chinese: 增长15.4%, 下降0.3个百分点, 2024年11月27日.
Each phrase says only what its number says; the sign decides the verb."""

from __future__ import annotations

import datetime as dt

GROWTH_DECIMALS = 1  # growth rates and shares are published to one decimal


def number(value: float, decimals: int = 2) -> str:
    """A figure as a statistical release prints it: fixed decimals, no thousands separator, no "-0.0"."""
    shown = f"{value:.{decimals}f}"
    return shown[1:] if shown.startswith("-") and float(shown) == 0 else shown


def exact(value: float) -> str:
    """A stored value with every digit it was reported with (19492.6012), for revisions that differ late."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def growth_phrase(value: float, unit: str = "%", decimals: int = GROWTH_DECIMALS) -> str:
    """增长15.4% / 下降2.1% / 持平; in points 提高1.6个百分点 / 下降0.3个百分点 / 持平."""
    shown = number(abs(value), decimals)
    if float(shown) == 0:
        return "持平"
    if unit == "%":
        return f"{'增长' if value > 0 else '下降'}{shown}%"
    return f"{'提高' if value > 0 else '下降'}{shown}{unit}"


def speed_phrase(difference: float, decimals: int = GROWTH_DECIMALS) -> str:
    """How a growth rate moved against an earlier one: 加快4.0个百分点 / 回落1.2个百分点 / 持平."""
    shown = number(abs(difference), decimals)
    if float(shown) == 0:
        return "持平"
    return f"{'加快' if difference > 0 else '回落'}{shown}个百分点"


def date_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def ratio_label(shares: list[float], decimals: int = GROWTH_DECIMALS) -> str:
    """A structure written as Chinese releases do: 0.1:41.4:58.5."""
    return ":".join(number(share, decimals) for share in shares)
