"""The Excel template of a collection task for one organisation and period (XlsxWriter).

Layout of the data sheet, which the upload reader relies on: row 1 the title, row 2 the organisation and
deadline, row 3 the header (地区代码, 地区名称, each indicator's name and unit), row 4 the codes (REGION,
NAME, each indicator's code), then one row per region. Headers and codes are locked; data cells are not.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from citybase.collection.reading import TEMPLATE_META_SHEET

TEMPLATE_SHEET = "报送数据"
INSTRUCTIONS_SHEET = "填报说明"
META_SHEET = TEMPLATE_META_SHEET  # one name for the writer here and the reader, which opens it though hidden
FORMAT_NAME = "citybase-template"
FORMAT_VERSION = "1"
FIRST_DATA_ROW = 4  # 0-based: the fifth sheet row
# A decimal validation needs bounds; these stand for "any number" where the indicator sets none.
_UNBOUNDED = "1E+300"
# Excel's limits on a validation's texts.
_TITLE_LIMIT = 32
_MESSAGE_LIMIT = 255
_INSTRUCTIONS = (
    "1. 请勿修改地区代码、指标代码和表头，只在白色单元格中填写数值；数值按各列标题中的单位填写。",
    "2. 缺失的数据请留空或填写“—”。",
    "3. 填好后在 CityBase 网页的“报送”页面上传，或使用命令 citybase import 导入。",
)


@dataclass(frozen=True)
class TemplateColumn:
    code: str
    name: str
    unit: str
    decimals: int
    minimum: float | None
    maximum: float | None
    definition: str  # 口径, shown on the instructions sheet and as the cells' input message


@dataclass(frozen=True)
class TemplateRow:
    region_code: str
    region_name: str


@dataclass(frozen=True)
class TemplateSpec:
    task_code: str
    task_name: str
    org_code: str
    org_name: str
    period: str
    period_label: str  # "2024年一季度"
    deadline: str  # ISO date
    columns: list[TemplateColumn]
    rows: list[TemplateRow]


def _display_width(text: str) -> int:
    """Width in Excel character units: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _number(value: float) -> str:
    """A bound as Excel reads it in a validation formula (1E+16, not Python's 1e+16)."""
    return f"{value:.15G}"


def range_text(column: TemplateColumn) -> str:
    """The valid range in words for people: "0 ~ 100", "≥ 0", "≤ 100" or "不限"."""
    if column.minimum is not None and column.maximum is not None:
        return f"{column.minimum:g} ~ {column.maximum:g}"
    if column.minimum is not None:
        return f"≥ {column.minimum:g}"
    if column.maximum is not None:
        return f"≤ {column.maximum:g}"
    return "不限"


def build_template(spec: TemplateSpec) -> bytes:
    """The .xlsx template: a protected data sheet, an instructions sheet and the hidden meta sheet."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    _data_sheet(book, spec)
    _instructions(book, spec)
    meta = book.add_worksheet(META_SHEET)
    pairs = (
        ("format", FORMAT_NAME),
        ("version", FORMAT_VERSION),
        ("task", spec.task_code),
        ("org", spec.org_code),
        ("period", spec.period),
    )
    for index, (key, value) in enumerate(pairs):
        meta.write_string(index, 0, key)
        meta.write_string(index, 1, value)
    meta.hide()
    book.close()
    return buffer.getvalue()


def _data_sheet(book: xlsxwriter.Workbook, spec: TemplateSpec) -> None:
    title = book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    subtitle = book.add_format({"font_color": "#595959", "valign": "vcenter"})
    header = book.add_format(
        {
            "bold": True,
            "text_wrap": True,
            "align": "center",
            "valign": "vcenter",
            "border": 1,
            "bg_color": "#DDEBF7",
        }
    )
    codes = book.add_format({"font_color": "#808080", "font_size": 9, "align": "center", "border": 1})
    region = book.add_format({"num_format": "@", "border": 1, "bg_color": "#F2F2F2"})
    sheet = book.add_worksheet(TEMPLATE_SHEET)
    last_column = 1 + len(spec.columns)
    sheet.merge_range(0, 0, 0, last_column, f"{spec.task_name}（{spec.period_label}）", title)
    sheet.merge_range(
        1,
        0,
        1,
        last_column,
        f"报送单位：{spec.org_name}（{spec.org_code}）    截止日期：{spec.deadline}",
        subtitle,
    )
    sheet.set_row(0, 28)
    sheet.write_row(2, 0, ["地区代码", "地区名称"], header)
    sheet.write_row(3, 0, ["REGION", "NAME"], codes)
    sheet.set_column(0, 0, max(12, max((len(row.region_code) for row in spec.rows), default=0) + 2))
    names = (_display_width(row.region_name) for row in spec.rows)
    sheet.set_column(1, 1, min(40, max(14, max(names, default=0) + 2)))
    header_lines = 1
    for index, column in enumerate(spec.columns, start=2):
        text = f"{column.name}（{column.unit}）"
        width = max(12, min(30, _display_width(text) // 2 + 2))
        header_lines = max(header_lines, math.ceil(_display_width(text) / (width - 1)))
        sheet.set_column(index, index, width)
        sheet.write_string(2, index, text, header)
        sheet.write_string(3, index, column.code, codes)
        number_format = "0" if column.decimals <= 0 else "0." + "0" * column.decimals
        cell = book.add_format({"num_format": number_format, "locked": False, "border": 1})
        # Each data cell is written blank with its unlocked format, so only the region rows are editable.
        for offset in range(len(spec.rows)):
            sheet.write_blank(FIRST_DATA_ROW + offset, index, None, cell)
        _validate(sheet, column, index, len(spec.rows))
    sheet.set_row(2, 15 * min(header_lines, 5) + 6)
    for offset, row in enumerate(spec.rows):
        sheet.write_string(FIRST_DATA_ROW + offset, 0, row.region_code, region)
        sheet.write_string(FIRST_DATA_ROW + offset, 1, row.region_name, region)
    sheet.freeze_panes(FIRST_DATA_ROW, 2)
    sheet.protect("", {"format_columns": True, "format_rows": True})
    sheet.activate()


def _validate(sheet: Worksheet, column: TemplateColumn, index: int, rows: int) -> None:
    if rows == 0:
        return
    if column.minimum is not None and column.maximum is not None:
        bounds = {
            "criteria": "between",
            "minimum": _number(column.minimum),
            "maximum": _number(column.maximum),
        }
    elif column.minimum is not None:
        bounds = {"criteria": ">=", "value": _number(column.minimum)}
    elif column.maximum is not None:
        bounds = {"criteria": "<=", "value": _number(column.maximum)}
    else:
        bounds = {"criteria": "between", "minimum": "-" + _UNBOUNDED, "maximum": _UNBOUNDED}
    unit = column.unit or "—"
    sheet.data_validation(
        FIRST_DATA_ROW,
        index,
        FIRST_DATA_ROW + rows - 1,
        index,
        {
            "validate": "decimal",
            **bounds,
            "input_title": f"{column.name}（{unit}）"[:_TITLE_LIMIT],
            "input_message": f"单位：{unit}；{column.definition}"[:_MESSAGE_LIMIT],
            "error_title": "数值不符合要求",
            "error_message": (
                f"{column.name}应为数值，有效范围：{range_text(column)}（单位：{unit}）。缺失请留空或填写“—”。"
            )[:_MESSAGE_LIMIT],
            # A warning, not a stop: "—" for a missing value must stay possible; the upload audit
            # refuses out-of-range values in any case.
            "error_type": "warning",
        },
    )


def _instructions(book: xlsxwriter.Workbook, spec: TemplateSpec) -> None:
    sheet = book.add_worksheet(INSTRUCTIONS_SHEET)
    title = book.add_format({"bold": True, "font_size": 12})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "vcenter"})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    sheet.write_string(0, 0, f"{spec.task_name}（{spec.period_label}）填报说明", title)
    for index, line in enumerate(_INSTRUCTIONS, start=1):
        sheet.write_string(index, 0, line)
    table_row = len(_INSTRUCTIONS) + 2
    sheet.write_row(
        table_row, 0, ["指标代码", "指标名称", "单位", "小数位数", "有效范围", "口径（指标解释）"], header
    )
    for offset, column in enumerate(spec.columns, start=table_row + 1):
        sheet.write_string(offset, 0, column.code, wrap)
        sheet.write_string(offset, 1, column.name, wrap)
        sheet.write_string(offset, 2, column.unit, wrap)
        sheet.write_number(offset, 3, column.decimals, wrap)
        sheet.write_string(offset, 4, range_text(column), wrap)
        sheet.write_string(offset, 5, column.definition, wrap)
    for index, width in enumerate((16, 28, 10, 10, 16, 70)):
        sheet.set_column(index, index, width)


def read_template_meta(rows: Sequence[Sequence[object]]) -> dict[str, str]:
    """The key/value rows of the hidden META_SHEET; empty unless they say it is a CityBase template."""
    found = {
        str(row[0]).strip(): "" if row[1] is None else str(row[1]).strip()
        for row in rows
        if len(row) >= 2 and row[0] is not None and str(row[0]).strip()
    }
    return found if found.get("format") == FORMAT_NAME else {}
