"""Long tables checked column by column: one value per row, with its indicator, region and period in columns.

A department's export of a million values is such a table, and most are clean. Each distinct indicator,
region, period and unit text is looked up once, the values are read, converted and range-checked as
columns, and the checked facts are built in one pass. The first irregularity of any kind (a missing key, a
cell that is not a plain number, a refusal, a duplicate) hands the whole sheet back to the row-by-row path,
which finds and reports every problem in the usual way, so the result is the same either way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import Any, cast

import numpy
from numpy.typing import NDArray

from citybase.audit.arrays import Submitted
from citybase.collection.cells import from_float
from citybase.collection.extraction import LongTable, Offered, cell_text
from citybase.collection.mapping import period_in_text
from citybase.facts.model import CheckedFact
from citybase.messages import Message

# Beyond this magnitude a value is a typing or export error (as the cell reader has it).
_LARGEST = 1e100
_ZERO = Decimal(0)
_WHOLE_DIGITS = 15  # whole numbers this long are exact in a float (below 2**53)
_EXACT_POWERS = 22  # 10**22 is the largest power of ten a float holds exactly

FloatArray = NDArray[numpy.float64]
IndexArray = NDArray[numpy.intp]


@dataclass
class Accepted:
    """What the column-wise check produced for a table: facts, their locations and their keys' columns."""

    facts: list[CheckedFact]
    locations: list[str]
    key_columns: tuple[list[int], list[str], list[str], list[str]]
    columns: Submitted  # the facts as the audit reads them, numbered as it would number them

    def keys(self) -> Iterator[tuple[int, str, str, str]]:
        return zip(*self.key_columns, strict=True)


@dataclass(frozen=True)
class _Coded:
    """A column as the number of each row's value among the column's distinct values (in order of first
    appearance), so what is known of a value is worked out once and spread to the rows in C."""

    codes: IndexArray
    values: list[Any]

    def __getitem__(self, position: int) -> Any:
        return self.values[self.codes[position]]


def check_table(
    table: LongTable,
    *,
    axes_of: Callable[[Offered], Any],
    region_of: Callable[[Offered], Any],
    usable: Callable[[Offered, str, Any], bool],
    failed: object,
) -> Accepted | None:
    """The table's facts when every row is clean, else None (the caller reads it row by row).

    `axes_of`, `region_of` and `usable` are the row-by-row path's own remembered checks, asked once per
    distinct key with that key's first row, so what they remember and report is what the rows would give."""
    count = len(table.values)
    if count == 0:
        return None
    key_columns = _keys(table)
    if key_columns is None:
        return None
    whole = _whole_numbers(table.values)
    numbers = _numbers(table.values) if whole is None else None
    if whole is None and numbers is None:
        return None
    places = list(map(table.place.__add__, map(str, table.numbers)))
    asked = _ask(table, key_columns, places, axes_of, region_of, usable, failed)
    del key_columns  # read no more (each row's axes and region are numbered): gone before the facts
    if asked is None:
        return None
    axes, axes_rows, region_rows = asked
    factors = [found[3] for found in axes]
    ranges = [(found[0].min_value, found[0].max_value) for found in axes]
    if whole is not None:
        values = _scaled_whole(whole, factors, ranges, axes_rows)
    else:
        values = _converted(
            cast(list[Decimal], numbers), _spread(factors, axes_rows), _spread(ranges, axes_rows)
        )
    del whole, numbers  # a million Decimals: gone before the facts are made
    if values is None or not _distinct(axes, axes_rows, region_rows):
        return None
    ids = _spread([found[0].id for found in axes], axes_rows)
    by_axes = [_numbering([found[0].code for found in axes]), _numbering([found[1][1] for found in axes])]
    by_axes.append(_numbering([found[2] for found in axes]))
    indicator_codes, period_texts, breakdowns = (
        _spread(part.values, part.codes[axes_rows]) for part in by_axes
    )
    row_regions = _spread(region_rows.values, region_rows.codes)
    rows = zip(
        ids,
        indicator_codes,
        row_regions,
        period_texts,
        _spread([found[1][2] for found in axes], axes_rows),
        _spread([found[1][3] for found in axes], axes_rows),
        breakdowns,
        values,
        repeat(table.status, count),
        repeat("", count),
        repeat(None, count),
        strict=True,
    )
    facts: list[CheckedFact] = list(map(tuple.__new__, repeat(CheckedFact, count), rows))
    # Numbered in order of first appearance, as the audit numbers them: the axes and the regions are in that
    # order already.
    numbered = [by_axes[0], region_rows, by_axes[1], by_axes[2]]
    columns = Submitted.numbered_as(
        (indicator_codes, row_regions, period_texts, breakdowns),
        values,
        (
            [{text: number for number, text in enumerate(part.values)} for part in numbered],
            [
                (part.codes if part is region_rows else part.codes[axes_rows]).astype(numpy.int64)
                for part in numbered
            ],
        ),
    )
    return Accepted(facts, places, (ids, row_regions, period_texts, breakdowns), columns)


def _ask(
    table: LongTable,
    key_columns: tuple[_Coded, _Coded, _Coded, _Coded],
    places: list[str],
    axes_of: Callable[[Offered], Any],
    region_of: Callable[[Offered], Any],
    usable: Callable[[Offered, str, Any], bool],
    failed: object,
) -> tuple[list[Any], IndexArray, _Coded] | None:
    """What the checks find for each distinct key, asked with its first row: the axes (indicator, period,
    breakdown, factor) of each distinct (indicator, period, unit), each row's number among them, and each
    row's region code; None when any check fails."""
    regions, indicators, periods, units = key_columns

    def sample(position: int) -> Offered:  # the checks asked with it do not read the value
        return Offered(
            indicators[position], regions[position], periods[position], "", units[position],
            _ZERO, table.status, "", places[position],
        )  # fmt: skip

    # Each distinct (indicator, period, unit) is checked once, with its first row, in order of appearance.
    axes_rows, axes_first = _numbered(indicators, periods, units)
    axes: list[Any] = []
    for position in axes_first.tolist():
        found = axes_of(sample(position))
        if found is failed:
            return None
        axes.append(found)
    codes: list[str] = []
    for position in _first_rows(regions).tolist():
        code = region_of(sample(position))
        if code is failed:
            return None
        codes.append(code)
    final = _numbering(codes)
    region_rows = _Coded(final.codes[regions.codes], final.values)
    years = _numbering([found[1][0].year for found in axes])
    _, pair_first = _numbered(region_rows, _Coded(years.codes[axes_rows], years.values))
    for position in pair_first.tolist():
        if not usable(sample(position), region_rows[position], axes[axes_rows[position]][1][0]):
            return None
    return axes, axes_rows, region_rows


def _numbering(cells: Sequence[Any]) -> _Coded:
    """`cells` numbered by their distinct values."""
    numbering: dict[Any, int] = {}
    for cell in cells:
        numbering.setdefault(cell, len(numbering))
    codes = numpy.fromiter(map(numbering.__getitem__, cells), dtype=numpy.intp, count=len(cells))
    return _Coded(codes, list(numbering))


def _code(cells: Sequence[Any], convert: Callable[[Any], Any]) -> _Coded | None:
    """`cells` converted and numbered, each distinct cell converted once; None when any converts to None."""
    distinct: dict[Any, int] = dict.fromkeys(cells, 0)
    numbering: dict[Any, int] = {}
    for cell in distinct:
        value = convert(cell)
        if value is None:
            return None
        distinct[cell] = numbering.setdefault(value, len(numbering))
    codes = numpy.fromiter(map(distinct.__getitem__, cells), dtype=numpy.intp, count=len(cells))
    return _Coded(codes, list(numbering))


def _spread(values: Sequence[Any], codes: IndexArray) -> list[Any]:
    """Each row's value, by its code."""
    table = numpy.fromiter(values, dtype=object, count=len(values))
    spread: list[Any] = table[codes].tolist()
    return spread


def _numbered(*columns: _Coded) -> tuple[IndexArray, IndexArray]:
    """Rows numbered by their combination of the columns' values (in order of first appearance), and the
    first row of each combination."""
    key = numpy.zeros(len(columns[0].codes), dtype=numpy.int64)
    span = 1
    for column in columns:
        size = len(column.values)
        if size == 1:
            continue
        if span * size >= 1 << 62:  # renumbered first, so the packed key stays below the square of the rows
            _, key = numpy.unique(key, return_inverse=True)
            key = key.reshape(-1).astype(numpy.int64)
            span = int(key.max()) + 1
        key = key * size + column.codes
        span *= size
    _, first, key = numpy.unique(key, return_index=True, return_inverse=True)
    order = numpy.argsort(first, kind="stable")
    rank = numpy.empty_like(order)
    rank[order] = numpy.arange(len(order))
    return rank[key.reshape(-1)], first[order]


def _first_rows(column: _Coded) -> IndexArray:
    """The first row of each of the column's distinct values, in the order of its values."""
    first: IndexArray = numpy.unique(column.codes, return_index=True)[1]
    return first


def _distinct(axes: list[Any], axes_rows: IndexArray, regions: _Coded) -> bool:
    """Whether no two rows share a key (indicator, region, period, breakdown), packed as one number."""
    parts = _numbering([(found[0].id, found[1][1], found[2]) for found in axes])
    packed = parts.codes[axes_rows].astype(numpy.int64) * len(regions.values) + regions.codes
    packed.sort()
    return not bool((packed[1:] == packed[:-1]).any())


def _keys(table: LongTable) -> tuple[_Coded, _Coded, _Coded, _Coded] | None:
    """The key columns as the row-by-row reader would have them: region codes, indicator codes, canonical
    periods and units, each distinct cell looked up once; None when any is missing or unknown."""

    def region(cell: object) -> str | None:
        text = cell_text(cell)
        resolved = table.resolver.resolve(text) if text else None
        return None if resolved is None or isinstance(resolved, Message) else resolved

    def indicator(cell: object) -> str | None:
        text = cell_text(cell)
        found = table.vocabulary.indicator_for(text) if text else None
        return found[0] if found else None

    def period(cell: object) -> str | None:
        text = cell_text(cell)
        found = period_in_text(text) if text else None
        return None if found is None else str(found)

    regions = _code(table.regions, region)
    indicators = None if regions is None else _code(table.indicators, indicator)
    periods = None if indicators is None else _code(table.periods, period)
    if regions is None or indicators is None or periods is None:
        return None
    # As the row-by-row reader has it: the column's own unit, else the row's unit cell, else the caption's.
    if table.column_unit or table.units is None:
        units = _Coded(numpy.zeros(len(table.values), dtype=numpy.intp), [table.column_unit or table.caption])
    else:
        caption = table.caption
        # Wrapped, as a unit may be None (none given), which `_code` would take for a refusal.
        coded = _code(table.units, lambda cell: (cell_text(cell) or caption,))
        if coded is None:
            return None
        units = _Coded(coded.codes, [unit for (unit,) in coded.values])
    return regions, indicators, periods, units


def _numbers(cells: Sequence[object]) -> list[Decimal] | None:
    """Every cell as the number the cell reader would give, or None when any needs more than plain reading
    (missing markers, separators, %, text that is not a number, a true/false cell)."""
    kinds = set(map(type, cells))
    try:
        if kinds == {str}:
            texts = cast(Sequence[str], cells)
            if "_" in "".join(texts):  # Decimal reads 1_000; the cell reader does not
                return None
            numbers = list(map(Decimal, texts))
        elif kinds <= {float, int}:
            numbers = [
                from_float(cell) if type(cell) is float else Decimal(cast(int, cell)) for cell in cells
            ]
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    if not all(map(Decimal.is_finite, numbers)):
        return None
    return numbers


def _whole_numbers(cells: Sequence[object]) -> FloatArray | None:
    """Cells that all hold whole numbers of up to 15 digits, as floats (which hold them exactly); None
    otherwise. Such numbers need no Decimal: scaled by a power of ten they round as the Decimal product does.
    """
    kinds = set(map(type, cells))
    if kinds == {str}:
        texts = cast(Sequence[str], cells)
        digits = "".join(texts).replace("-", "").replace("+", "")
        if not (digits.isascii() and digits.isdigit()) or max(map(len, texts)) > _WHOLE_DIGITS:
            return None
        try:  # float() refuses what Decimal() refuses among these ("", "5-3", "+-5")
            return numpy.array(list(map(float, texts)), dtype=numpy.float64)
        except ValueError:
            return None
    if kinds and kinds <= {float, int}:
        found = numpy.array(cells, dtype=numpy.float64)
        finite = numpy.isfinite(found).all()
        if (
            not finite
            or (numpy.abs(found) >= 10.0**_WHOLE_DIGITS).any()
            or (found != numpy.trunc(found)).any()
        ):
            return None
        return found + 0.0  # as the cell reader has it, a whole -0.0 is 0
    return None


def _converted_whole(
    whole: FloatArray, factors: list[Decimal], ranges: list[tuple[float | None, float | None]]
) -> list[float] | None:
    """As `_converted`, for whole numbers (each row with its own factor and range)."""
    coded = _numbering(list(zip(factors, ranges, strict=True)))
    return _scaled_whole(
        whole, [factor for factor, _ in coded.values], [pair for _, pair in coded.values], coded.codes
    )


def _scaled_whole(
    whole: FloatArray,
    factors: list[Decimal],
    ranges: list[tuple[float | None, float | None]],
    rows: IndexArray,
) -> list[float] | None:
    """As `_converted`, for whole numbers, each row with the factor and range of its key (`rows` numbers the
    keys): each multiplied or divided by its power of ten in one rounding, which is the rounding of the exact
    Decimal product."""
    powers = [_power_of_ten(factor) for factor in factors]
    if None in powers:
        return _converted(list(map(_decimal, whole.tolist())), _spread(factors, rows), _spread(ranges, rows))
    exponents = numpy.array(powers, dtype=numpy.int64)[rows]
    scale = 10.0 ** numpy.abs(exponents)  # exact up to 10**22
    found = numpy.where(exponents < 0, whole / scale, whole * scale)
    lows = numpy.array([-numpy.inf if low is None else low for low, _ in ranges], dtype=float)
    highs = numpy.array([numpy.inf if high is None else high for _, high in ranges], dtype=float)
    return _within(found, lows[rows], highs[rows])


def _decimal(number: float) -> Decimal:
    return Decimal(int(number)) if number or not math.copysign(1, number) < 0 else Decimal("-0")


def _power_of_ten(factor: Decimal) -> int | None:
    """k when `factor` is exactly 10**k with |k| <= 22 (a power a float holds exactly), else None."""
    sign, digits, exponent = factor.normalize().as_tuple()
    if sign or digits != (1,) or not isinstance(exponent, int) or abs(exponent) > _EXACT_POWERS:
        return None
    return exponent


def _converted(
    numbers: list[Decimal], factors: list[Decimal], ranges: list[tuple[float | None, float | None]]
) -> list[float] | None:
    """The values in their indicators' units; None when any is outside its indicator's valid range."""
    if len(set(factors)) == 1:
        factor = factors[0]
        values = list(map(float, numbers if factor == 1 else map(factor.__mul__, numbers)))
    else:
        values = [
            float(number * factor) if factor != 1 else float(number)
            for number, factor in zip(numbers, factors, strict=True)
        ]
    return _in_range(numpy.array(values, dtype=float), ranges)


def _in_range(found: FloatArray, ranges: list[tuple[float | None, float | None]]) -> list[float] | None:
    coded = _numbering(ranges)
    lows = numpy.array([-numpy.inf if low is None else low for low, _ in coded.values], dtype=float)
    highs = numpy.array([numpy.inf if high is None else high for _, high in coded.values], dtype=float)
    return _within(found, lows[coded.codes], highs[coded.codes])


def _within(found: FloatArray, lows: FloatArray, highs: FloatArray) -> list[float] | None:
    """The values as floats; None when any is not finite, is beyond any sensible magnitude or outside its
    range."""
    if not numpy.isfinite(found).all() or (numpy.abs(found) >= _LARGEST).any():
        return None
    if (found < lows).any() or (found > highs).any():
        return None
    values: list[float] = found.tolist()
    return values
