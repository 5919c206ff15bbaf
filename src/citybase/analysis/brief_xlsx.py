"""The brief as an Excel workbook (.xlsx): a summary sheet, then a sheet per section with its text, its
tables (Chinese headers with units) and, beside the numbers they draw, native Excel charts."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from citybase.analysis.brief_model import Brief, Chart, Section, Table
from citybase.analysis.brief_text import date_label

CHART_COLUMN = 8  # charts sit to the right of the tables (column I)


def _sheet_name(section: Section) -> str:
    """一、主要指标 → 主要指标: Excel allows 31 characters and no []:*?/\\."""
    name = section.heading.split("、", 1)[-1]
    return "".join(char for char in name if char not in "[]:*?/\\")[:31]


class _Writer:
    def __init__(self, book: Any) -> None:
        self.book = book
        self.bold = book.add_format({"bold": True, "font_name": "宋体"})
        self.title = book.add_format({"bold": True, "font_size": 14, "font_name": "黑体"})
        self.text = book.add_format({"text_wrap": True, "valign": "top", "font_name": "宋体"})
        self.header = book.add_format(
            {"bold": True, "border": 1, "bg_color": "#DCE6F1", "text_wrap": True, "font_name": "黑体"}
        )
        self.cell = book.add_format({"border": 1, "font_name": "宋体"})
        self.numbers: dict[int | None, Any] = {}

    def number(self, decimals: int | None) -> Any:
        if decimals not in self.numbers:
            pattern = "General" if decimals is None else ("0" if decimals == 0 else "0." + "0" * decimals)
            self.numbers[decimals] = self.book.add_format({"border": 1, "num_format": pattern})
        return self.numbers[decimals]

    def table(self, sheet: Worksheet, row: int, table: Table) -> int:
        sheet.write(row, 0, table.title, self.bold)
        row += 1
        for column, spec in enumerate(table.columns):
            sheet.write(row, column, spec.title, self.header)
        for values in table.rows:
            row += 1
            for column, (value, spec) in enumerate(zip(values, table.columns, strict=True)):
                if value is None:
                    sheet.write_blank(row, column, None, self.cell)
                elif isinstance(value, str):
                    sheet.write_string(row, column, value, self.cell)
                else:
                    sheet.write_number(row, column, value, self.number(spec.decimals))
        if table.note:
            row += 1
            sheet.write(row, 0, f"注：{table.note}")
        return row + 2

    def chart(self, sheet: Worksheet, name: str, row: int, chart: Chart) -> int:
        """Write the chart's numbers as a small table and draw an Excel chart from them."""
        sheet.write(row, 0, f"{chart.title}（图表数据）", self.bold)
        first = row + 1
        sheet.write(first, 0, "类别", self.header)
        for column, series in enumerate(chart.series, start=1):
            sheet.write(first, column, f"{series.name}（{chart.unit}）", self.header)
        for index, category in enumerate(chart.categories, start=1):
            sheet.write_string(first + index, 0, category, self.cell)
            for column, series in enumerate(chart.series, start=1):
                value = series.values[index - 1]
                if value is None:
                    sheet.write_blank(first + index, column, None, self.cell)
                else:
                    sheet.write_number(first + index, column, value, self.number(None))
        last = first + len(chart.categories)
        drawn = self.book.add_chart({"type": "line" if chart.kind == "line" else "column"})
        for column in range(1, len(chart.series) + 1):
            drawn.add_series(
                {
                    "name": [name, first, column],
                    "categories": [name, first + 1, 0, last, 0],
                    "values": [name, first + 1, column, last, column],
                    "marker": {"type": "circle"} if chart.kind == "line" else {"type": "none"},
                    "data_labels": {"value": chart.kind == "column"},
                }
            )
        drawn.set_title({"name": chart.title, "name_font": {"name": "黑体", "size": 11}})
        drawn.set_y_axis({"name": chart.unit, "major_gridlines": {"visible": True}})
        drawn.set_legend({"position": "bottom"} if len(chart.series) > 1 else {"none": True})
        drawn.show_blanks_as("gap")
        sheet.insert_chart(first, CHART_COLUMN, drawn, {"x_scale": 1.3, "y_scale": 1.1})
        return max(last + 2, first + 18)


def brief_xlsx(brief: Brief) -> bytes:
    """The brief as .xlsx bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False}
    )
    book.set_properties(
        {"title": brief.title, "author": "CityBase", "subject": f"{brief.region} {brief.period}"}
    )
    writer = _Writer(book)
    summary = book.add_worksheet("概要")
    summary.set_column(0, 0, 18)
    summary.set_column(1, 1, 100)
    summary.write(0, 0, brief.title, writer.title)
    rows: list[tuple[str, str]] = [
        ("地区", f"{brief.region_name}（{brief.region}）"),
        ("期间", brief.period_label),
        ("生成日期", date_label(brief.issued)),
        (
            "数据版本",
            brief.as_of.isoformat() if brief.as_of else f"{brief.generated_at:%Y-%m-%d %H:%M} UTC 的现行数值",
        ),
        ("要点", brief.headline),
    ]
    for index, (label, value) in enumerate(rows, start=2):
        summary.write(index, 0, label, writer.bold)
        summary.write(index, 1, value, writer.text)
    for section in brief.sections:
        name = _sheet_name(section)
        sheet = book.add_worksheet(name)
        sheet.set_column(0, 0, 16)
        sheet.set_column(1, 7, 14)
        sheet.write(0, 0, section.heading, writer.title)
        row = 2
        for text in section.paragraphs:
            sheet.merge_range(row, 0, row, 7, text, writer.text)
            sheet.set_row(row, 15 * (1 + len(text) // 55))
            row += 1
        row += 1
        for table in section.tables:
            row = writer.table(sheet, row, table)
        for chart in section.charts:
            row = writer.chart(sheet, name, row, chart)
    book.close()
    return buffer.getvalue()
