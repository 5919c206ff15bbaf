"""The audit report as the submitter's own workbook: offending cells filled and commented, and a first
sheet 审核报告 listing every finding, errors first.

An uploaded workbook is opened with openpyxl, so its formatting is kept. A CSV file, or a workbook openpyxl
cannot open, is written anew from its cells with XlsxWriter, which is about twice as fast for large files.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass

import openpyxl
import python_calamine
import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

REPORT_SHEET = "审核报告"
REPORT_HEADER = ("工作表", "单元格", "规则", "级别", "说明", "数值")
COMMENT_AUTHOR = "CityBase"
SEVERITY_ZH = {"error": "错误", "warning": "警告"}
# (fill, font colour): Excel's own "Bad" and "Neutral" cell styles, which users recognise.
COLOURS = {"error": ("FFC7CE", "9C0006"), "warning": ("FFEB9C", "9C5700")}
_WIDTHS = (14, 12, 22, 8, 70, 40)
_COMMENT_LIMIT = 30_000  # Excel keeps at most 32,767 characters in a comment
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # an .xlsx sheet's size
_ILLEGAL: re.Pattern[str] = ILLEGAL_CHARACTERS_RE
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class CellMark:
    sheet: str  # the sheet's name; for CSV "" or the file name's stem
    row: int  # 1-based sheet row
    column: int  # 0-based column index
    severity: str  # "error" | "warning"
    text: str  # the comment, already rendered


@dataclass(frozen=True)
class Note:
    """What one marked cell gets: the worse severity of its marks and their texts."""

    severity: str
    text: str


Key = tuple[str, int, int]  # (sheet, row, column) of a marked cell


@dataclass(frozen=True)
class ReportLine:
    sheet: str
    cell: str
    rule: str
    severity: str
    message: str
    values: str


def annotate_upload(
    data: bytes,
    kind: str,
    marks: Sequence[CellMark],
    report: Sequence[ReportLine],
    *,
    csv_rows: Sequence[Sequence[object]] | None = None,
    csv_sheet: str = "数据",
) -> bytes:
    """The uploaded workbook (kind "xlsx") or a workbook of the CSV rows (kind "csv"), marked and reported."""
    if kind == "csv":
        return _new_workbook([(csv_sheet, csv_rows or [])], marks, report)
    if kind != "xlsx":
        raise ValueError(f"kind must be 'xlsx' or 'csv', not {kind!r}")
    try:
        with warnings.catch_warnings():
            # openpyxl warns of parts it drops (extensions, slicers); the submitter keeps the original.
            warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
            book = openpyxl.load_workbook(io.BytesIO(data))
    except Exception:  # openpyxl refuses some files that other programs (WPS) write and calamine reads
        return _new_workbook(_calamine_sheets(data), marks, report)
    _mark(book, marks)
    _report(book, report)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _clean(text: str) -> str:
    """Text without the control characters an .xlsx file cannot hold."""
    return _ILLEGAL.sub("", text)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def comment_box(text: str) -> tuple[int, int]:
    """Width and height in pixels of a comment box that shows `text` without scrolling."""
    widest = max((_display_width(line) for line in text.split("\n")), default=0)
    width = max(160, min(360, widest * 7 + 16))
    per_line = max(1, (width - 16) // 7)
    lines = sum(max(1, math.ceil(_display_width(line) / per_line)) for line in text.split("\n"))
    return width, max(40, min(600, lines * 15 + 12))


def _on_sheet(mark: CellMark) -> bool:
    return 1 <= mark.row <= MAX_ROWS and 0 <= mark.column < MAX_COLUMNS


def _grouped(marks: Iterable[tuple[Key, CellMark]]) -> dict[Key, Note]:
    """Marks on the same cell made one note: an error if any is, their distinct texts on separate lines."""
    found: dict[Key, list[CellMark]] = {}
    for key, mark in marks:
        found.setdefault(key, []).append(mark)
    return {
        key: Note(
            "error" if any(mark.severity == "error" for mark in group) else "warning",
            _clean("\n".join(dict.fromkeys(mark.text for mark in group)))[:_COMMENT_LIMIT],
        )
        for key, group in found.items()
    }


def _report_rows(report: Sequence[ReportLine]) -> list[tuple[str, list[str]]]:
    """(severity, cells) per report line, errors first and otherwise in the given order."""
    ordered = sorted(report, key=lambda line: {"error": 0, "warning": 1}.get(line.severity, 2))
    return [
        (
            line.severity,
            [
                _clean(text)
                for text in (
                    line.sheet,
                    line.cell,
                    line.rule,
                    SEVERITY_ZH.get(line.severity, line.severity),
                    line.message,
                    line.values,
                )
            ],
        )
        for line in ordered
    ]


# --- the uploaded workbook, through openpyxl ---


def _anchor(sheet: Worksheet, row: int, column: int) -> tuple[int, int]:
    """The cell that holds a merged range's value and comment, or the cell itself."""
    if isinstance(sheet.cell(row=row, column=column), MergedCell):
        for merged in sheet.merged_cells.ranges:
            if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
                return merged.min_row, merged.min_col
    return row, column


def _mark(book: Workbook, marks: Sequence[CellMark]) -> None:
    located: list[tuple[Key, CellMark]] = []
    for mark in marks:
        sheet = book[mark.sheet] if mark.sheet in book.sheetnames else None
        if not isinstance(sheet, Worksheet) or not _on_sheet(mark):
            continue  # a sheet this file does not have: the finding is still in the report sheet
        located.append(((mark.sheet, *_anchor(sheet, mark.row, mark.column + 1)), mark))
    for (name, row, column), note in _grouped(located).items():
        sheet = book[name]
        assert isinstance(sheet, Worksheet)  # only worksheets were located above
        sheet.protection.sheet = False  # a protected template would refuse the user's own corrections
        cell = sheet.cell(row=row, column=column)
        fill, colour = COLOURS[note.severity]
        cell.fill = PatternFill("solid", fgColor=fill)
        font: Font = copy(cell.font)
        font.color = colour
        cell.font = font
        text = note.text
        if cell.comment is not None and cell.comment.author != COMMENT_AUTHOR:
            text = f"{text}\n——\n{cell.comment.text}"[:_COMMENT_LIMIT]  # the user's own note is kept
        width, height = comment_box(text)
        cell.comment = Comment(text, COMMENT_AUTHOR, height=height, width=width)


def _report(book: Workbook, report: Sequence[ReportLine]) -> None:
    if REPORT_SHEET in book.sheetnames:
        earlier = book[REPORT_SHEET]
        if isinstance(earlier, Worksheet) and tuple(next(earlier.values, ())) == REPORT_HEADER:
            book.remove(earlier)  # the report of an earlier audit, uploaded again; a user's sheet is kept
    sheet = book.create_sheet(REPORT_SHEET, 0)
    sheet.append(REPORT_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for severity, cells in _report_rows(report):
        sheet.append(cells)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # a message beginning with "=" is text, never a formula
        if severity in COLOURS:
            fill, colour = COLOURS[severity]
            level = sheet.cell(row=sheet.max_row, column=4)
            level.fill = PatternFill("solid", fgColor=fill)
            level.font = Font(color=colour)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:F{sheet.max_row}"
    for letter, width in zip("ABCDEF", _WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    for other in book.worksheets:
        other.sheet_view.tabSelected = False  # else Excel opens with the sheets grouped
    sheet.sheet_view.tabSelected = True
    book.active = 0


# --- a new workbook of the cells, through XlsxWriter ---


def _calamine_sheets(data: bytes) -> list[tuple[str, Sequence[Sequence[object]]]]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [
        (name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names
    ]


def _sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unused worksheet name close to `name` (Excel forbids []:*?/\\ and more than 31 characters)."""
    base = _SHEET_NAME_FORBIDDEN.sub("_", name).strip("'")[:31] or "数据"
    title, number = base, 1
    while title.casefold() in taken:
        number += 1
        title = f"{base[: 31 - len(str(number)) - 1]}_{number}"
    taken.add(title.casefold())
    return title


def _write_value(
    sheet: xlsxwriter.worksheet.Worksheet, row: int, column: int, value: object, style: object
) -> None:
    if value is None or value == "":
        if style is not None:
            sheet.write_blank(row, column, None, style)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value, style)
    elif isinstance(value, int | float) and math.isfinite(value) and abs(value) < 1e300:
        sheet.write_number(row, column, value, style)
    else:
        sheet.write_string(row, column, _clean(str(value)), style)  # never a formula, whatever it starts with


def _new_workbook(
    sheets: Sequence[tuple[str, Sequence[Sequence[object]]]],
    marks: Sequence[CellMark],
    report: Sequence[ReportLine],
) -> bytes:
    buffer = io.BytesIO()
    options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    book = xlsxwriter.Workbook(buffer, {**options, "strings_to_urls": False})
    styles = {
        severity: book.add_format({"bg_color": f"#{fill}", "font_color": f"#{colour}"})
        for severity, (fill, colour) in COLOURS.items()
    }
    taken = {REPORT_SHEET.casefold()}
    _new_report(book, report, styles)
    titles = {name: _sheet_title(name, taken) for name, _rows in sheets}
    first = titles[sheets[0][0]] if sheets else ""
    located = [
        ((titles.get(mark.sheet, first if mark.sheet == "" else ""), mark.row - 1, mark.column), mark)
        for mark in marks
        if _on_sheet(mark)
    ]
    grouped = _grouped(item for item in located if item[0][0])
    for name, rows in sheets:
        on_sheet: dict[int, dict[int, Note]] = {}
        for (title, row, column), note in grouped.items():
            if title == titles[name]:
                on_sheet.setdefault(row, {})[column] = note
        _write_sheet(book.add_worksheet(titles[name]), rows, on_sheet, styles)
    book.close()
    return buffer.getvalue()


def _write_sheet(
    sheet: xlsxwriter.worksheet.Worksheet,
    rows: Sequence[Sequence[object]],
    marks: dict[int, dict[int, Note]],
    styles: dict[str, object],
) -> None:
    # Rows in increasing order, as constant_memory mode requires; marks may point past the data.
    for row in sorted(set(range(len(rows))) | marks.keys()):
        values = rows[row] if row < len(rows) else ()
        row_marks = marks.get(row)
        if not row_marks:
            for column, value in enumerate(values):
                _write_value(sheet, row, column, value, None)
            continue
        for column in sorted(set(range(len(values))) | row_marks.keys()):
            note = row_marks.get(column)
            value = values[column] if column < len(values) else None
            _write_value(sheet, row, column, value, styles[note.severity] if note else None)
            if note is not None:
                width, height = comment_box(note.text)
                sheet.write_comment(
                    row, column, note.text, {"author": COMMENT_AUTHOR, "width": width, "height": height}
                )


def _new_report(book: xlsxwriter.Workbook, report: Sequence[ReportLine], styles: dict[str, object]) -> None:
    sheet = book.add_worksheet(REPORT_SHEET)
    sheet.write_row(0, 0, REPORT_HEADER, book.add_format({"bold": True}))
    rows = _report_rows(report)
    for index, (severity, cells) in enumerate(rows, start=1):
        for column, text in enumerate(cells):
            sheet.write_string(index, column, text, styles.get(severity) if column == 3 else None)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(REPORT_HEADER) - 1)
    for column, width in enumerate(_WIDTHS):
        sheet.set_column(column, column, width)
