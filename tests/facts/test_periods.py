"""Periods: one canonical form for every way sheets and releases write them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citybase.errors import InvalidInput
from citybase.transform.periods import Frequency, Period, parse_period


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2024", "2024"),
        ("2024年", "2024"),
        ("2024年度", "2024"),
        ("2024年1-12月", "2024"),
        ("2024H1", "2024H1"),
        ("2024年上半年", "2024H1"),
        ("2024年1-6月", "2024H1"),
        ("2024年下半年", "2024H2"),
        ("2024Q1", "2024Q1"),
        ("2024年一季度", "2024Q1"),
        ("2024年第二季度", "2024Q2"),
        ("2024年1-3月", "2024Q1"),
        ("2024年4-6月", "2024Q2"),
        ("2024年前三季度", "2024Q3YTD"),
        ("2024年1-9月", "2024Q3YTD"),
        ("2024Q3YTD", "2024Q3YTD"),
        ("2024-03", "2024-03"),
        ("2024年3月", "2024-03"),
        ("2024年12月份", "2024-12"),
        ("2024年1-2月", "2024-02YTD"),
        ("2024-02YTD", "2024-02YTD"),
        ("２０２４年３月", "2024-03"),
        ("2024 Q2", "2024Q2"),
        ("2024-m05", "2024-05"),
    ],
)
def test_forms_found_in_real_sheets(text: str, canonical: str) -> None:
    assert str(parse_period(text)) == canonical


def test_merged_january_february_release_needs_its_year() -> None:
    assert str(parse_period("1-2月", default_year=2024)) == "2024-02YTD"
    with pytest.raises(InvalidInput):
        parse_period("1-2月")


@pytest.mark.parametrize("text", ["2024年13月", "2024Q5", "24", "二〇二四", "2024-00", "", "2024年3-1月"])
def test_impossible_periods_are_refused_naming_the_text(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_period(text)
    assert repr(text)[1:-1] in error.value.render() or text == ""


def test_cumulative_is_distinct_from_single_period() -> None:
    ytd, single = parse_period("2024年1-9月"), parse_period("2024年三季度")
    assert ytd.is_cumulative
    assert not single.is_cumulative
    assert ytd != single
    assert ytd.units(Frequency.QUARTER) == [Period.quarter(2024, 1), Period.quarter(2024, 2), single]
    assert [str(month) for month in parse_period("2023Q1").units(Frequency.MONTH)] == [
        "2023-01",
        "2023-02",
        "2023-03",
    ]
    # The first quarter is both a single quarter and year-to-date: one key, not two.
    assert parse_period("2024年1-3月") == parse_period("2024Q1")
    assert not parse_period("2024Q1").is_cumulative


def test_frequency_fit() -> None:
    assert parse_period("2024Q3YTD").fits(Frequency.QUARTER)
    assert not parse_period("2024-02YTD").fits(Frequency.QUARTER)
    assert parse_period("2024").fits(Frequency.QUARTER)
    assert not parse_period("2024Q1").fits(Frequency.YEAR)


def test_previous_period_of_the_same_shape() -> None:
    assert str(parse_period("2024Q1").previous()) == "2023Q4"
    assert str(parse_period("2024-01").previous()) == "2023-12"
    assert str(parse_period("2024Q3YTD").previous()) == "2023Q3YTD"
    assert str(parse_period("2024H2").previous()) == "2024H1"


def test_chinese_labels() -> None:
    assert parse_period("2024Q3YTD").label_zh() == "2024年1-9月"
    assert parse_period("2024Q2").label_zh() == "2024年二季度"


@given(st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 12))
def test_canonical_text_reads_back_to_the_same_period(year: int, first: int, last: int) -> None:
    if first > last:
        first, last = last, first
    period = Period(year, first, last)
    assert parse_period(str(period)) == period
