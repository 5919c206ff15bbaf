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


@dataclass
class Accepted:
    """What the column-wise check produced for a table: facts, their locations and their keys' columns."""

    facts: list[CheckedFact]
    locations: list[str]
    key_columns: tuple[list[int], list[str], list[str], list[str]]

    def keys(self) -> Iterator[tuple[int, str, str, str]]:
        return zip(*self.key_columns, strict=True)


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
    regions, indicators, periods, units = key_columns
    whole = _whole_numbers(table.values)
    numbers = _numbers(table.values) if whole is None else None
    if whole is None and numbers is None:
        return None
    places = list(map(table.place.__add__, map(str, table.numbers)))

    def sample(position: int) -> Offered:  # the checks asked with it do not read the value
        return Offered(
            indicators[position], regions[position], periods[position], "", units[position],
            _ZERO, table.status, "", places[position],
        )  # fmt: skip

    axes_keys = list(zip(indicators, periods, units, strict=True))
    axes: dict[tuple[str, str, str | None], Any] = {}
    for position, key in _first_positions(axes_keys):
        found = axes_of(sample(position))
        if found is failed:
            return None
        axes[key] = found
    codes: dict[str, str] = {}
    for position, text in _first_positions(regions):
        code = region_of(sample(position))
        if code is failed:
            return None
        codes[text] = code
    row_regions = list(map(codes.__getitem__, regions))
    # The facts' columns by distinct key (indicator id and code, period text, first and last month,
    # breakdown, factor, valid range), looked up per row in C.
    parts = {key: _parts(found) for key, found in axes.items()}
    ids, indicator_codes, period_texts, firsts, lasts, breakdowns, factors, ranges = map(
        list, zip(*map(parts.__getitem__, axes_keys), strict=True)
    )
    periods_of = {key: found[1][0] for key, found in axes.items()}
    years = [period.year for period in map(periods_of.__getitem__, axes_keys)]
    for position, (code, _year) in _first_positions(list(zip(row_regions, years, strict=True))):
        if not usable(sample(position), code, periods_of[axes_keys[position]]):
            return None
    del years, axes_keys
    if whole is not None:
        values = _converted_whole(whole, factors, ranges)
    else:
        values = _converted(cast(list[Decimal], numbers), factors, ranges)
    del whole, numbers, factors, ranges  # a million Decimals: gone before the facts are made
    if values is None or not _distinct(count, ids, row_regions, period_texts, breakdowns):
        return None
    rows = zip(
        ids, indicator_codes, row_regions, period_texts, firsts, lasts, breakdowns, values,
        repeat(table.status, count), repeat("", count), repeat(None, count), strict=True,
    )  # fmt: skip
    facts: list[CheckedFact] = list(map(tuple.__new__, repeat(CheckedFact, count), rows))
    return Accepted(facts, places, (ids, row_regions, period_texts, breakdowns))


def _distinct(count: int, *columns: Sequence[Any]) -> bool:
    """Whether no two rows share a key, the key's parts numbered and packed into one integer per row."""
    packed = numpy.zeros(count, dtype=numpy.int64)
    span = 1
    for column in columns:
        numbering = {value: number for number, value in enumerate(dict.fromkeys(column))}
        span *= len(numbering)
        if span >= 1 << 62:  # too many distinct parts to pack: compare the keys themselves
            return len(set(zip(*columns, strict=True))) == count
        packed = packed * len(numbering) + numpy.fromiter(
            map(numbering.__getitem__, column), dtype=numpy.int64, count=count
        )
    packed.sort()
    return not bool((packed[1:] == packed[:-1]).any())


def _parts(found: Any) -> tuple[Any, ...]:
    indicator, period, dims, factor = found
    return (
        indicator.id, indicator.code, period[1], period[2], period[3], dims, factor,
        (indicator.min_value, indicator.max_value),
    )  # fmt: skip


def _keys(
    table: LongTable,
) -> tuple[list[str], list[str], list[str], list[str | None]] | None:
    """The key columns as the row-by-row reader would have them: region codes, indicator codes, canonical
    periods and units, each distinct text looked up once; None when any is missing or unknown."""
    region_codes: dict[object, str] = {}
    for cell in set(table.regions):
        text = cell_text(cell)
        resolved = table.resolver.resolve(text) if text else None
        if resolved is None or isinstance(resolved, Message):
            return None
        region_codes[cell] = resolved
    indicator_codes: dict[object, str] = {}
    for cell in set(table.indicators):
        text = cell_text(cell)
        found = table.vocabulary.indicator_for(text) if text else None
        if not found:
            return None
        indicator_codes[cell] = found[0]
    period_texts: dict[object, str] = {}
    for cell in set(table.periods):
        text = cell_text(cell)
        period = period_in_text(text) if text else None
        if period is None:
            return None
        period_texts[cell] = str(period)
    # As the row-by-row reader has it: the column's own unit, else the row's unit cell, else the caption's.
    if table.column_unit or table.units is None:
        units: list[str | None] = [table.column_unit or table.caption] * len(table.values)
    else:
        unit_texts = {cell: cell_text(cell) or table.caption for cell in set(table.units)}
        units = list(map(unit_texts.__getitem__, table.units))
    return (
        list(map(region_codes.__getitem__, table.regions)),
        list(map(indicator_codes.__getitem__, table.indicators)),
        list(map(period_texts.__getitem__, table.periods)),
        units,
    )


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
    """As `_converted`, for whole numbers: each multiplied or divided by its power of ten in one rounding,
    which is the rounding of the exact Decimal product."""
    powers = {factor: _power_of_ten(factor) for factor in set(factors)}
    if None in powers.values():
        return _converted(list(map(_decimal, whole.tolist())), factors, ranges)
    if len(powers) == 1:
        exponents = numpy.full(len(whole), next(iter(powers.values())), dtype=numpy.int64)
    else:
        exponents = numpy.fromiter(map(powers.__getitem__, factors), dtype=numpy.int64, count=len(whole))
    scale = 10.0 ** numpy.abs(exponents)  # exact up to 10**22
    found = numpy.where(exponents < 0, whole / scale, whole * scale)
    return _in_range(found, ranges)


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
    if not numpy.isfinite(found).all() or (numpy.abs(found) >= _LARGEST).any():
        return None
    bounds = {
        pair: (-numpy.inf if pair[0] is None else pair[0], numpy.inf if pair[1] is None else pair[1])
        for pair in set(ranges)
    }
    limits = numpy.array(list(map(bounds.__getitem__, ranges)), dtype=float)
    if (found < limits[:, 0]).any() or (found > limits[:, 1]).any():
        return None
    values: list[float] = found.tolist()
    return values


def _first_positions(items: Sequence[Any]) -> list[tuple[int, Any]]:
    """Each distinct item with the position where it first appears, in order of appearance."""
    # Read backwards, each item's last write is its first position; the loops run in C.
    first = dict(zip(reversed(items), range(len(items) - 1, -1, -1), strict=True))
    return sorted((position, item) for item, position in first.items())
