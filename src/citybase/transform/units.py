"""Units of Chinese statistics through pint: 元/万元/亿元, 人/万人, %, 个百分点, 平方公里, 女=100 ...

Each unit a sheet may write maps to a pint expression; a value offered in a unit that converts to the
indicator's unit is converted exactly (powers of ten stay exact in Decimal), and an inconvertible one is
refused naming both units.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pint

from citybase.errors import InvalidInput
from citybase.messages import N_, message

# Currencies and counted things get dimensions of their own, so 元 never converts to 美元 or 人 to 户;
# 个百分点 (a difference of two rates) is kept apart from % (a rate), and 女=100 (a sex ratio) from both.
_DEFINITIONS = """
yuan = [currency_cny] = 元
wan_yuan = 10000 * yuan = 万元
yi_yuan = 100000000 * yuan = 亿元
usd = [currency_usd] = 美元
wan_usd = 10000 * usd = 万美元
yi_usd = 100000000 * usd = 亿美元
person = [person] = 人
wan_person = 10000 * person = 万人
household = [household] = 户
wan_household = 10000 * household = 万户
unit_count = [count] = 个 = 家 = 项 = 座 = 所
wan_unit = 10000 * unit_count = 万个
percentage_point = [percentage_point] = 个百分点
sex_ratio = [sex_ratio]
score = [score] = 分
jin = 0.5 * kilogram = 斤
wan_ton = 10000 * metric_ton = 万吨
mu = 10000 / 15 * meter ** 2 = 亩
gongqing = hectare = 公顷
wan_kwh = 10000 * kilowatt_hour = 万千瓦时
yi_kwh = 100000000 * kilowatt_hour = 亿千瓦时
sui = year = 岁
"""

# Written forms that are not plain unit names: each maps to a pint expression.
_WRITTEN = {
    "%": "percent",
    "％": "percent",
    "‰": "permille",
    "百分比": "percent",
    "女=100": "sex_ratio",
    "(女=100)": "sex_ratio",
    "平方公里": "kilometer ** 2",
    "平方千米": "kilometer ** 2",
    "平方米": "meter ** 2",
    "万平方米": "10000 * meter ** 2",
    "公里": "kilometer",
    "千米": "kilometer",
    "米": "meter",
    "吨": "metric_ton",
    "千克": "kilogram",
    "公斤": "kilogram",
    "千瓦时": "kilowatt_hour",
    "度": "kilowatt_hour",
    "年": "year",
    "天": "day",
    "小时": "hour",
    "倍": "dimensionless",
    "无": "dimensionless",
    "": "dimensionless",
}

# The magnitudes of Chinese statistics, which make most conversions: a factor between two of the same kind
# needs no unit registry (whose first use takes most of a second); a test checks these against pint.
_SCALED: dict[str, tuple[str, int]] = {
    **{name: ("currency_cny", scale) for name, scale in (("元", 1), ("万元", 10**4), ("亿元", 10**8))},
    **{name: ("currency_usd", scale) for name, scale in (("美元", 1), ("万美元", 10**4), ("亿美元", 10**8))},
    **{name: ("person", scale) for name, scale in (("人", 1), ("万人", 10**4))},
    **{name: ("household", scale) for name, scale in (("户", 1), ("万户", 10**4))},
    **dict.fromkeys(("个", "家", "项", "座", "所"), ("count", 1)),
    "万个": ("count", 10**4),
}

_registry: Any = None
_lock = threading.Lock()


def registry() -> Any:
    """The unit registry, built on first use (it takes a noticeable moment)."""
    global _registry
    with _lock:
        if _registry is None:
            units: Any = pint.UnitRegistry()
            for line in _DEFINITIONS.strip().splitlines():
                units.define(line)
            units.define("permille = 0.001 = ‰")
            _registry = units
        return _registry


def _expression(unit: str) -> str:
    text = unicodedata.normalize("NFKC", unit).strip()
    text = re.sub(r"^\((.*)\)$", r"\1", text)
    if text in _WRITTEN:
        return _WRITTEN[text]
    parts = re.split(r"(/|·|\*)", text)
    return " ".join(
        _WRITTEN.get(part.strip(), part.strip()) if part not in "/·*" else ("/" if part == "/" else "*")
        for part in parts
    )


@lru_cache(maxsize=1024)
def parse_unit(unit: str) -> Any:
    """The pint unit for a written unit, or InvalidInput naming it."""
    try:
        return registry().parse_units(_expression(unit))
    except (
        pint.UndefinedUnitError,
        pint.DefinitionSyntaxError,
        AttributeError,
        TypeError,
        ValueError,
        AssertionError,
    ) as exc:
        raise InvalidInput(message(N_("Unknown unit '{unit}'"), unit=unit)) from exc


def is_known_unit(unit: str) -> bool:
    try:
        parse_unit(unit)
    except InvalidInput:
        return False
    return True


@lru_cache(maxsize=4096)
def conversion_factor(from_unit: str, to_unit: str) -> Decimal:
    """The exact factor that turns a value in `from_unit` into `to_unit` (1 亿元 → 10000 万元)."""
    scaled_from, scaled_to = _SCALED.get(from_unit), _SCALED.get(to_unit)
    if scaled_from is not None and scaled_to is not None and scaled_from[0] == scaled_to[0]:
        return Decimal(repr(scaled_from[1] / scaled_to[1])).normalize()
    source, target = parse_unit(from_unit), parse_unit(to_unit)
    try:
        factor = registry().Quantity(1, source).to(target).magnitude
    except pint.DimensionalityError as exc:
        raise InvalidInput(
            message(N_("Unit '{source}' cannot be converted to '{target}'"), source=from_unit, target=to_unit)
        ) from exc
    # Factors here are powers of ten or simple fractions; their shortest text is the exact intent.
    return Decimal(repr(float(factor))).normalize()


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    if from_unit == to_unit:
        return value
    return value * conversion_factor(from_unit, to_unit)
