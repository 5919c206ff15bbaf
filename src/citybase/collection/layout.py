"""Finding a sheet's layout: title and caption rows, the header (one row or several), columns with their
units, and the data rows below, as government statistical sheets lay them out.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import compress, repeat
from operator import itemgetter
from typing import NamedTuple

from citybase.collection.cells import bare_unit, caption_unit, normalise_header, parse_number, unit_in_text
from citybase.collection.reading import RawSheet, collector_paused
from citybase.errors import InvalidInput, Problem
from citybase.messages import N_, message

SCAN_ROWS = 30  # the header is looked for in this many rows from the top
LOOKAHEAD = 8  # rows after a header in which the first row of numbers must appear
TRAILER_ROWS = 200  # notes at the bottom are looked for in this many rows from the end

# What a cell holds, as far as finding the header is concerned.
EMPTY, TEXT, NUMBER, YEAR, YEAR_TEXT, MISSING_MARK, OTHER = range(7)

_YEAR_TEXT = re.compile(r"(?:19|20)[0-9]{2}\s*年度?")
_ORDINALS = frozenset("甲乙丙丁戊己庚辛壬癸") | {"栏次"}
_META = re.compile(
    r"^\s*[(（]?\s*(?:计量单位|金额单位|单位|填报单位|报送单位|填报机关|填报人|填表人|制表人|制表|审核人"
    r"|单位负责人|统计负责人|负责人|联系人|联系电话|电话|填报日期|报送日期|报出日期|日期|表号|制定机关"
    r"|制表机关|批准机关|批准文号|文号|有效期至)\s*[:：]"
)
_NOTE_STARTS = ("注", "说明", "数据来源", "资料来源", "备注", "note", "source")


@dataclass(frozen=True)
class HeaderColumn:
    index: int  # 0-based column index in the sheet
    letter: str  # Excel column letter, "A", "AB"
    header: str  # parts of a multi-row header joined with " / ", normalised, without the unit
    raw_header: str  # as written, joined, unit included
    unit: str | None  # the unit the header writes: "（万元）", "(亿元)", "单位：万元", or a last line "万元"


class DataRow(NamedTuple):
    """A named tuple: a sheet may have a million data rows, made with tuple.__new__ in C."""

    number: int  # 1-based sheet row number
    cells: list[object]


@dataclass(frozen=True)
class SheetLayout:
    sheet: str
    kind: str
    title: str  # the text of the rows above the header, joined with " "
    caption_unit: str | None  # from a caption such as "单位：万元" above the header or in the title
    header_rows: tuple[int, ...]  # 1-based sheet row numbers
    columns: list[HeaderColumn]  # only columns with a header
    rows: list[DataRow]  # after the header; blank rows and trailing notes dropped
    fingerprint: str  # sha256 of the header texts in order: "the same sheet layout"


@dataclass(frozen=True)
class _RowInfo:
    counts: Counter[int]
    distinct: int  # distinct non-empty values
    meta: bool  # mostly "label: value" cells, such as "单位：万元" or "填报单位：…"

    @property
    def filled(self) -> int:
        return sum(count for kind, count in self.counts.items() if kind != EMPTY)

    @property
    def numeric(self) -> int:
        return self.counts[NUMBER] + self.counts[YEAR]


def column_letter(index: int) -> str:
    """Excel's letter for a 0-based column index: 0 → A, 25 → Z, 26 → AA, 702 → AAA."""
    if index < 0:
        raise ValueError(index)
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def cell_text(cell: object) -> str:
    """A cell as header or title text: 2019.0 → "2019", a date → "2023-01-31", empty → ""."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.datetime) and cell.time() == datetime.time():
        return cell.date().isoformat()
    if isinstance(cell, datetime.date | datetime.time):
        return cell.isoformat()
    return str(cell)


def _kind(cell: object) -> int:
    if cell is None or isinstance(cell, bool):
        return EMPTY if cell is None else OTHER
    if isinstance(cell, str):
        text = cell.strip()
        if not text:
            return EMPTY
        if _YEAR_TEXT.fullmatch(text):
            return YEAR_TEXT
    elif not isinstance(cell, int | float | Decimal):
        return OTHER if isinstance(cell, datetime.date | datetime.time | datetime.timedelta) else TEXT
    try:
        parsed = parse_number(cell)
    except ValueError:
        return TEXT
    if parsed is None:
        return MISSING_MARK
    value = parsed.value
    is_year = not parsed.percent and value == value.to_integral_value() and 1900 <= value <= 2100
    return YEAR if is_year else NUMBER


def _row_info(row: list[object]) -> _RowInfo:
    kinds = [_kind(cell) for cell in row]
    texts = {
        normalise_header(cell_text(cell)) for cell, kind in zip(row, kinds, strict=True) if kind != EMPTY
    }
    labels = sum(1 for cell, kind in zip(row, kinds, strict=True) if kind == TEXT and _META.match(str(cell)))
    counts = Counter(kinds)
    # A caption at the end of a header row ("… | 单位：万元") leaves it a header row.
    return _RowInfo(counts, len(texts), labels * 2 >= len(row) - counts[EMPTY] and labels > 0)


def _is_candidate(info: _RowInfo, row: list[object]) -> bool:
    """A first header row: column names, where numbers may only be years ("指标 | 单位 | 2019 | 2020")."""
    counts = info.counts
    if info.meta or info.distinct < 2 or counts[NUMBER] or counts[MISSING_MARK]:
        return False
    if counts[TEXT] + counts[YEAR_TEXT]:
        return True
    # A row of years alone, left of which the label column's header was left blank.
    years = [year for cell in row if _kind(cell) == YEAR and (year := _whole_number(cell)) is not None]
    return len(years) >= 3 and (years == sorted(years) or years == sorted(years, reverse=True))


def _whole_number(cell: object) -> int | None:
    """The integer a cell holds (2019, 2019.0, "2019"), or None."""
    try:
        parsed = parse_number(cell)
    except ValueError:
        return None
    if parsed is None or parsed.percent or parsed.value != parsed.value.to_integral_value():
        return None
    return int(parsed.value)


def _equal(left: object, right: object) -> bool:
    return normalise_header(cell_text(left)) == normalise_header(cell_text(right))


def _extends(row: list[object], above: list[object], info: _RowInfo, label: int) -> bool:
    """A further header row: names only (or years), under the row above rather than a row of data.

    In a data row the label column holds a new name (a region, an indicator); in a header row it is blank
    or repeats the name above (a merged cell), and the new names stand over the value columns.
    """
    counts = info.counts
    if info.meta or not info.filled or counts[NUMBER] or counts[MISSING_MARK]:
        return False
    if cell_text(row[label]) and not _equal(row[label], above[label]):
        return False
    return any(cell_text(cell) for index, cell in enumerate(row) if index != label)


def _is_numbering(row: list[object]) -> bool:
    """The row of column numbers some report forms put under the header: "甲 | 乙 | 1 | 2 | 3"."""
    numbers: list[int] = []
    for cell in row:
        text = cell_text(cell)
        if not text or text in _ORDINALS:
            continue
        number = _whole_number(cell)
        if number is None:
            return False
        numbers.append(number)
    return len(numbers) >= 2 and numbers == list(range(1, len(numbers) + 1))


def _is_group(row: list[object], info: _RowInfo, label: int) -> bool:
    """One name merged over some of the value columns, above the header: "地区生产总值" over its parts."""
    if info.meta or info.distinct != 1 or info.filled < 2 or info.counts[TEXT] + info.counts[YEAR_TEXT] == 0:
        return False
    filled = [index for index, cell in enumerate(row) if cell_text(cell)]
    contiguous = filled == list(range(filled[0], filled[-1] + 1))
    return contiguous and filled[0] > label


def _find_header(rows: list[list[object]], info: Callable[[int], _RowInfo]) -> tuple[int, int, int] | None:
    """(first header row, end of the header's name rows, first row after the header), as list indexes."""
    for start in range(min(SCAN_ROWS, len(rows))):
        if not _is_candidate(info(start), rows[start]):
            continue
        label = next(index for index, cell in enumerate(rows[start]) if cell_text(cell))
        end = start + 1
        while end < len(rows) and _extends(rows[end], rows[end - 1], info(end), label):
            end += 1
        after = end + 1 if end < len(rows) and _is_numbering(rows[end]) else end
        if not _followed_by_data(rows, info, after):
            continue
        if start > 0 and _is_group(rows[start - 1], info(start - 1), label):
            start -= 1
        return start, end, after
    return None


def _followed_by_data(rows: list[list[object]], info: Callable[[int], _RowInfo], first: int) -> bool:
    """Whether a row of numbers comes next, past blank rows and a few rows of names or missing values."""
    names = 0
    for index in range(first, min(len(rows), first + LOOKAHEAD)):
        found = info(index)
        if not found.filled:
            continue
        if found.numeric:
            return True
        if _is_candidate(found, rows[index]):
            return False  # another header-like row: the one above was not the header
        names += 1
        if names >= 3:
            return False
    return False


def _filled(rows: list[list[object]]) -> list[bool]:
    """Whether each row holds a value. A row whose first cell holds one does; the first cells of a long
    table are a few texts repeated, so each distinct one is looked at once and the rest in C."""
    try:
        firsts = list(map(itemgetter(0), rows))
        verdicts = {cell: not _blank((cell,)) for cell in set(firsts)}
    except (IndexError, TypeError):  # an empty row, or a cell that cannot be hashed
        return [not _blank(row) for row in rows]
    found = list(map(verdicts.__getitem__, firsts))
    if not all(found):
        found = [value or not _blank(row) for value, row in zip(found, rows, strict=True)]
    return found


def _blank(row: Sequence[object]) -> bool:
    """No cell holds a value: each is None, "" or spaces (0 and False are values)."""
    for cell in row:
        if cell is None or cell == "" or (isinstance(cell, str) and cell.isspace()):
            continue
        return False
    return True


def _trailer(row: list[object]) -> str:
    """ "note" for a note or signature row at the bottom, "text" for a row of one text, "" for data."""
    filled = [cell for cell in row if cell_text(cell)]
    if not filled or any(_kind(cell) in (NUMBER, YEAR) for cell in filled[1:]):
        return ""
    first = unicodedata.normalize("NFKC", cell_text(filled[0])).casefold()
    if first.startswith(_NOTE_STARTS) or any(_META.match(cell_text(cell)) for cell in filled):
        return "note"
    return "text" if len(filled) == 1 and _kind(filled[0]) == TEXT else ""


def _drop_trailer(rows: list[DataRow]) -> list[DataRow]:
    """Drop notes at the bottom ("注：…", "数据来源：…", "填表人：…") and the lines that continue them."""
    cut = len(rows)
    for index in range(len(rows) - 1, max(len(rows) - TRAILER_ROWS, 0) - 1, -1):
        found = _trailer(rows[index].cells)
        if found == "note":
            cut = index
        elif found != "text":
            break
    return rows[:cut]


def _columns(rows: list[list[object]], header: range) -> tuple[list[HeaderColumn], str | None]:
    """The columns with a header, and a caption unit written as a header cell ("单位：万元")."""
    columns: list[HeaderColumn] = []
    caption: str | None = None
    for index in range(len(rows[header.start])):
        raw_parts: list[str] = []
        for row in header:
            text = cell_text(rows[row][index])
            if text and all(normalise_header(text) != normalise_header(part) for part in raw_parts):
                raw_parts.append(text)
        unit: str | None = None
        parts: list[str] = []
        for part in raw_parts:
            text, found = unit_in_text(part)
            unit = found or unit
            name = normalise_header(text)
            if name and name not in parts:
                parts.append(name)
        if len(parts) >= 2 and bare_unit(parts[-1]):
            unit = bare_unit(parts.pop())
        if not parts:
            caption = caption or unit
            continue
        columns.append(
            HeaderColumn(index, column_letter(index), " / ".join(parts), " / ".join(raw_parts), unit)
        )
    return columns, caption


def _title(rows: list[list[object]]) -> tuple[str, str | None]:
    """The rows above the header as one line of text, and the unit a caption among them names."""
    lines: list[str] = []
    unit: str | None = None
    for row in rows:
        # Kept as written (only whitespace collapsed): the title is shown, and a merged title repeats.
        texts = list(dict.fromkeys(" ".join(cell_text(cell).split()) for cell in row if cell_text(cell)))
        lines.extend(texts)
        for text in texts:
            unit = unit or caption_unit(text)
    if unit is None:
        for text in lines:
            unit = unit or unit_in_text(text)[1]
    return " ".join(lines), unit


def detect_layout(sheet: RawSheet) -> SheetLayout:
    """Find the title, header rows, columns (with units) and data rows of a sheet as read."""
    rows = sheet.rows
    if all(map(_blank, rows)):
        reason = message(
            N_("Sheet {sheet} is empty: expected a header row and rows of values"), sheet=sheet.name
        )
        raise InvalidInput(reason, problems=[Problem("empty_sheet", reason, column=sheet.name)])

    @cache
    def info(index: int) -> _RowInfo:
        return _row_info(rows[index])

    found = _find_header(rows, info)
    if found is None:
        reason = message(
            N_(
                "no header row found in the first 30 rows of sheet {sheet}: "
                "expected a row of column names followed by rows of numbers"
            ),
            sheet=sheet.name,
        )
        raise InvalidInput(reason, problems=[Problem("no_header", reason, column=sheet.name)])
    start, end, after = found
    columns, header_caption = _columns(rows, range(start, end))
    title, title_unit = _title(rows[:start])
    first = sheet.first_row
    with collector_paused():
        body = rows[after:]
        filled = _filled(body)
        numbers = compress(range(first + after, first + len(rows)), filled)
        kept = zip(numbers, compress(body, filled), strict=True)
        data: list[DataRow] = list(map(tuple.__new__, repeat(DataRow), kept))
    fingerprint = hashlib.sha256("\n".join(column.header for column in columns).encode("utf-8")).hexdigest()
    return SheetLayout(
        sheet=sheet.name,
        kind=sheet.kind,
        title=title,
        caption_unit=title_unit or header_caption,
        header_rows=tuple(first + index for index in range(start, after)),
        columns=columns,
        rows=_drop_trailer(data),
        fingerprint=fingerprint,
    )
