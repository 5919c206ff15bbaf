"""Periods: a contiguous run of months within one year, written in one canonical form.

Every period a statistic can describe is a month range inside a year: 2024 is months 1–12, 2024H2 is
7–12, 2024Q3 is 7–9, 2024-03 is 3–3, and a year-to-date (年初累计) figure such as 2024年1-9月 is 1–9.
Writing each range in exactly one way ("2024Q3YTD" for 1–9, and "2024Q1" — not "2024-03YTD" — for 1–3,
since they are the same months) gives every fact one key, whatever form the sheet used.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from citybase.errors import InvalidInput
from citybase.messages import N_, message


class Frequency(StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"

    @property
    def months(self) -> int:
        return _MONTHS[self.value]


_MONTHS = {"year": 12, "half": 6, "quarter": 3, "month": 1}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    start_month: int
    end_month: int

    def __post_init__(self) -> None:
        if not (1 <= self.start_month <= self.end_month <= 12) or not (1000 <= self.year <= 9999):
            raise ValueError(f"not a period: year {self.year}, months {self.start_month}-{self.end_month}")

    # --- constructors -------------------------------------------------------------------------------
    @classmethod
    def year_of(cls, year: int) -> Period:
        return cls(year, 1, 12)

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        return cls(year, 6 * half - 5, 6 * half)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        return cls(year, 3 * quarter - 2, 3 * quarter)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(year, month, month)

    @classmethod
    def to_date(cls, year: int, month: int) -> Period:
        """Year to date: January to the end of `month` (年初累计)."""
        return cls(year, 1, month)

    # --- properties ---------------------------------------------------------------------------------
    @property
    def length(self) -> int:
        return self.end_month - self.start_month + 1

    @property
    def is_cumulative(self) -> bool:
        """A year-to-date range longer than the single unit it starts with (1–9, 1–2; not 1–3 or 1–12)."""
        return self.start_month == 1 and self.natural_frequency() is None

    def fits(self, frequency: Frequency) -> bool:
        """Whether the range starts and ends on boundaries of `frequency` (2024Q3YTD fits quarters)."""
        step = frequency.months
        return (self.start_month - 1) % step == 0 and self.end_month % step == 0

    def natural_frequency(self) -> Frequency | None:
        """The frequency of which this is exactly one unit (2024Q3 → quarter), if any."""
        for frequency in (Frequency.YEAR, Frequency.HALF, Frequency.QUARTER, Frequency.MONTH):
            if self.length == frequency.months and self.fits(frequency):
                return frequency
        return None

    def finest_fit(self) -> Frequency:
        """The coarsest frequency whose boundaries this range respects (what a sheet must report at)."""
        for frequency in (Frequency.YEAR, Frequency.HALF, Frequency.QUARTER, Frequency.MONTH):
            if self.fits(frequency):
                return frequency
        raise AssertionError("every range fits months")  # pragma: no cover

    @property
    def first_month_index(self) -> int:
        """Months since year 0, for ordering and range queries across frequencies."""
        return self.year * 12 + self.start_month - 1

    @property
    def last_month_index(self) -> int:
        return self.year * 12 + self.end_month - 1

    # --- arithmetic ---------------------------------------------------------------------------------
    def shift_years(self, years: int) -> Period:
        return Period(self.year + years, self.start_month, self.end_month)

    def previous(self) -> Period:
        """The preceding period of the same shape (2024Q1 → 2023Q4, 2024Q3YTD → 2023Q3YTD)."""
        if self.is_cumulative or self.natural_frequency() is Frequency.YEAR:
            return self.shift_years(-1)
        if self.start_month == 1:
            return Period(self.year - 1, 13 - self.length, 12)
        return Period(self.year, self.start_month - self.length, self.start_month - 1)

    def year_to_date_before(self) -> Period | None:
        """The year-to-date range ending just before this period starts (None for a period from January)."""
        return None if self.start_month == 1 else Period(self.year, 1, self.start_month - 1)

    def units(self, frequency: Frequency) -> list[Period]:
        """The single periods of `frequency` that make up this range (2024Q3YTD → Q1, Q2, Q3)."""
        if not self.fits(frequency):
            raise ValueError(f"{self} does not split into {frequency.value}s")
        step = frequency.months
        return [
            Period(self.year, start, start + step - 1)
            for start in range(self.start_month, self.end_month + 1, step)
        ]

    # --- text ---------------------------------------------------------------------------------------
    def __str__(self) -> str:
        natural = self.natural_frequency()
        if natural is Frequency.YEAR:
            return f"{self.year}"
        if natural is Frequency.HALF:
            return f"{self.year}H{self.end_month // 6}"
        if natural is Frequency.QUARTER:
            return f"{self.year}Q{self.end_month // 3}"
        if natural is Frequency.MONTH:
            return f"{self.year}-{self.end_month:02d}"
        if self.start_month == 1:
            if self.end_month % 3 == 0:
                return f"{self.year}Q{self.end_month // 3}YTD"
            return f"{self.year}-{self.end_month:02d}YTD"
        return f"{self.year}-{self.start_month:02d}~{self.end_month:02d}"

    def label_zh(self) -> str:
        """How a Chinese statistical release writes it: 2024年, 2024年一季度, 2024年1-9月, ..."""
        natural = self.natural_frequency()
        if natural is Frequency.YEAR:
            return f"{self.year}年"
        if natural is Frequency.HALF:
            return f"{self.year}年{'上' if self.end_month == 6 else '下'}半年"
        if natural is Frequency.QUARTER:
            return f"{self.year}年{'一二三四'[self.end_month // 3 - 1]}季度"
        if natural is Frequency.MONTH:
            return f"{self.year}年{self.end_month}月"
        return f"{self.year}年{self.start_month}-{self.end_month}月"


_CHINESE_NUMBERS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}
_NUMBER = r"(\d{1,2}|十[一二]?|[一二三四五六七八九])"

_CANONICAL: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Period]]] = [
    (re.compile(r"^(\d{4})$"), lambda m: Period.year_of(int(m[1]))),
    (re.compile(r"^(\d{4})[-_ ]?H([12])$", re.I), lambda m: Period.half(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})[-_ ]?Q([1-4])$", re.I), lambda m: Period.quarter(int(m[1]), int(m[2]))),
    (
        re.compile(r"^(\d{4})[-_ ]?Q([1-4])[-_ ]?YTD$", re.I),
        lambda m: Period.to_date(int(m[1]), 3 * int(m[2])),
    ),
    (re.compile(r"^(\d{4})-?M?(\d{1,2})$", re.I), lambda m: Period.month(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-(\d{1,2})[-_ ]?YTD$", re.I), lambda m: Period.to_date(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-(\d{1,2})~(\d{1,2})$"), lambda m: Period(int(m[1]), int(m[2]), int(m[3]))),
]


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _CHINESE_NUMBERS[text]


def _parse_chinese(text: str, default_year: int | None) -> Period | None:
    match = re.match(r"^(?:(\d{4})年)?(.*)$", text)
    if match is None:  # pragma: no cover - the pattern matches any text
        return None
    year_text, rest = match[1], match[2]
    year = int(year_text) if year_text else default_year
    if year is None:
        return None
    rest = rest.removeprefix("度").removeprefix("全年") if year_text else rest
    if rest in ("", "度", "全年", "年度"):
        return Period.year_of(year) if year_text else None
    if rest in ("上半年", "1-6月"):
        return Period.half(year, 1)
    if rest == "下半年":
        return Period.half(year, 2)
    quarter = re.match(rf"^第?{_NUMBER}季度?$", rest)
    if quarter:
        return Period.quarter(year, _number(quarter[1]))
    first_quarters = re.match(rf"^前{_NUMBER}(?:个)?季度$", rest)
    if first_quarters:
        return Period.to_date(year, 3 * _number(first_quarters[1]))
    months = re.match(rf"^{_NUMBER}[-—–~至到]{_NUMBER}月(?:份)?$", rest)
    if months:
        return Period(year, _number(months[1]), _number(months[2]))
    month = re.match(rf"^{_NUMBER}月(?:份)?$", rest)
    if month:
        return Period.month(year, _number(month[1]))
    return None


def parse_period(text: str, *, default_year: int | None = None) -> Period:
    """Read a period in canonical form or as real sheets write it (2024年, 2024年一季度, 2024年1-3月,
    2024年3月, 2024年前三季度, 2024年上半年); `default_year` completes forms without a year ("1-2月")."""
    cleaned = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    try:
        for pattern, build in _CANONICAL:
            matched = pattern.match(cleaned)
            if matched:
                return build(matched)
        parsed = _parse_chinese(cleaned, default_year)
    except (ValueError, KeyError):
        parsed = None
    if parsed is None:
        raise InvalidInput(
            message(
                N_(
                    "'{text}' is not a period: write 2024, 2024H1, 2024Q1, 2024-03, 2024Q3YTD, or as in "
                    "statistical releases (2024年, 2024年一季度, 2024年1-9月, 2024年3月)"
                ),
                text=text,
            )
        )
    return parsed


def check_frequency(period: Period, frequency: Frequency, what: str) -> None:
    """Refuse a period that does not fall on the boundaries of `frequency` (a month for a yearly series)."""
    if not period.fits(frequency):
        raise InvalidInput(
            message(
                N_("Period {period} does not match {what}, which is reported by {frequency}"),
                period=str(period),
                what=what,
                frequency=frequency.value,
            )
        )
