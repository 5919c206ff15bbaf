"""Cell text as departments write it: numbers, missing markers, percentages and units."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citybase.collection.cells import (
    MISSING,
    ParsedNumber,
    bare_unit,
    caption_unit,
    normalise_header,
    parse_number,
    unit_in_text,
)


@pytest.mark.parametrize(
    ("cell", "value", "percent"),
    [
        (12, "12", False),
        (-3, "-3", False),
        (0.1, "0.1", False),
        (12.0, "12", False),  # Excel's float for an integer reads as the integer
        (1234.5678, "1234.5678", False),
        (1e20, "100000000000000000000", False),
        (Decimal("7.25"), "7.25", False),
        ("12", "12", False),
        ("  12.50 ", "12.50", False),
        ("\u00a012\u00a0", "12", False),
        ("1,234,567.8", "1234567.8", False),
        ("1，234", "1234", False),
        ("１２３４．５", "1234.5", False),
        ("１，２３４", "1234", False),
        ("+5", "5", False),
        ("−3.5", "-3.5", False),
        ("- 3.5", "-3.5", False),
        ("1.5e3", "1.5E+3", False),
        ("2E-3", "0.002", False),
        ("12.5%", "12.5", True),
        ("１２.５％", "12.5", True),
        ("-0.8 %", "-0.8", True),
        ("1,234.5%", "1234.5", True),
    ],
)
def test_numbers_as_sheets_write_them(cell: object, value: str, percent: bool) -> None:
    assert parse_number(cell) == ParsedNumber(Decimal(value), percent)


@pytest.mark.parametrize("marker", [*sorted(MISSING), "n/a", "Null", "na", " — ", "－", "…", None])
def test_missing_markers_give_none(marker: object) -> None:
    assert parse_number(marker) is None


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (True, "true/false"),
        (False, "true/false"),
        ("(12.5)", "parentheses"),
        ("NaN", "finite"),
        ("inf", "finite"),
        ("-Infinity", "finite"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (Decimal("NaN"), "finite"),
        ("12,34", "three digits"),
        ("1,2345", "three digits"),
        ("1_000", "not a number"),
        ("12万元", "not a number"),
        ("abc", "not a number"),
        ("12.5.1", "not a number"),
        ("1e999", "out of range"),
        (datetime.date(2023, 1, 1), "not a number"),
    ],
)
def test_text_that_is_not_a_number_is_refused_with_a_reason(cell: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_number(cell)


@given(
    st.decimals(
        min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=4, allow_nan=False, allow_infinity=False
    )
)
def test_decimals_written_with_thousands_separators_read_back(number: Decimal) -> None:
    written = f"{number:,f}"
    assert parse_number(written) == ParsedNumber(number, False)
    assert parse_number(written.replace(",", "，")) == ParsedNumber(number, False)
    assert parse_number(f"{written}%") == ParsedNumber(number, True)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_floats_read_as_their_shortest_decimal(number: float) -> None:
    parsed = parse_number(number)
    assert parsed is not None
    assert parsed.value == Decimal(repr(number))
    assert float(parsed.value) == number


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_integers_and_their_text_agree(number: int) -> None:
    assert parse_number(number) == parse_number(str(number)) == ParsedNumber(Decimal(number), False)


def test_plain_numbers_take_the_fast_path() -> None:
    cells = [str(index * 7) for index in range(20_000)] + [index * 0.5 for index in range(20_000)]
    started = time.perf_counter()
    for cell in cells:
        parse_number(cell)
    per_cell = (time.perf_counter() - started) / len(cells)
    # A few microseconds a cell on a slow machine; the bound only catches a lost fast path.
    assert per_cell < 30e-6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("地区生产总值（亿元）", ("地区生产总值", "亿元")),
        ("地区生产总值(亿元)", ("地区生产总值", "亿元")),
        ("地区生产总值（现价）（亿元）", ("地区生产总值（现价）", "亿元")),
        ("人口密度（人/平方公里）", ("人口密度", "人/平方公里")),
        ("性别比（女=100）", ("性别比", "女=100")),
        ("增长率(%)", ("增长率", "%")),
        ("增长率（％）", ("增长率", "%")),
        ("增速%", ("增速", "%")),
        ("地区生产总值\n亿元", ("地区生产总值", "亿元")),
        ("地区生产总值\n（亿元）", ("地区生产总值", "亿元")),
        ("GDP（单位：亿元）", ("GDP", "亿元")),
        ("单位：万元", ("", "万元")),
        ("（万元）", ("", "万元")),
        ("GDP (USD million)", ("GDP", "USD million")),
        ("Area (km2)", ("Area", "km2")),
        ("地区生产总值（现价）", ("地区生产总值（现价）", None)),
        ("Population (total)", ("Population (total)", None)),
        ("第一产业", ("第一产业", None)),
        ("年", ("年", None)),
        ("单位", ("单位", None)),
    ],
)
def test_units_written_in_headers(text: str, expected: tuple[str, str | None]) -> None:
    assert unit_in_text(text) == expected


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("单位：万元", "万元"),
        ("单位:万元", "万元"),
        ("（单位：亿元）", "亿元"),
        ("计量单位：万人", "万人"),
        ("金额单位：元", "元"),
        ("2023年深圳市各区地区生产总值 单位：亿元", "亿元"),
        ("填报单位：南山区统计局", None),
        ("2023年深圳市各区地区生产总值", None),
        ("单位：", None),
    ],
)
def test_caption_units(text: str, unit: str | None) -> None:
    assert caption_unit(text) == unit


def test_bare_units_and_header_normalisation() -> None:
    assert bare_unit("万元") == "万元"
    assert bare_unit("（亿元）") == "亿元"
    assert bare_unit("元/人") == "元/人"
    assert bare_unit("第一产业") is None
    assert normalise_header(" 地区\n生产　总值 ") == "地区 生产 总值"
    assert normalise_header("增速（％）") == "增速(%)"
