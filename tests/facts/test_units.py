"""Units: Chinese statistical units convert exactly; inconvertible ones are refused naming both."""

from __future__ import annotations

from decimal import Decimal

import pytest

from citybase.errors import InvalidInput
from citybase.transform.units import convert, is_known_unit, parse_unit


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        ("194926012", "万元", "亿元", "19492.6012"),
        ("1", "亿元", "万元", "10000"),
        ("1190.84", "万人", "人", "11908400"),
        ("5.5", "%", "‰", "55"),
        ("1", "万人/平方公里", "人/平方公里", "10000"),
        ("3", "万元/人", "元/人", "30000"),
        ("2", "亿千瓦时", "万千瓦时", "20000"),
        ("1500", "公顷", "平方公里", "15"),
    ],
)
def test_conversions_are_exact(value: str, source: str, target: str, expected: str) -> None:
    assert convert(Decimal(value), source, target) == Decimal(expected)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("元", "美元"),
        ("%", "个百分点"),
        ("女=100", "%"),
        ("人", "户"),
        ("亿元", "万人"),
        ("平方公里", "公里"),
    ],
)
def test_inconvertible_units_name_both(source: str, target: str) -> None:
    with pytest.raises(InvalidInput) as error:
        convert(Decimal(1), source, target)
    assert source in error.value.render()
    assert target in error.value.render()


def test_written_forms() -> None:
    for unit in (
        "元",
        "万元",
        "亿元",
        "人",
        "万人",
        "%",
        "个百分点",
        "平方公里",
        "人/平方公里",
        "女=100",
        "(女=100)",
        "个",
        "美元",
        "元/人",
        "％",
    ):
        assert is_known_unit(unit), unit
    assert not is_known_unit("斤斤")
    with pytest.raises(InvalidInput, match="斤斤"):
        parse_unit("斤斤")
