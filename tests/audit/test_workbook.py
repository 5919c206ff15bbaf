"""The annotated audit workbook: marks on the submitter's own cells, the report sheet, CSV and templates."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from citybase.audit.workbook import REPORT_HEADER, REPORT_SHEET, CellMark, ReportLine, annotate_upload
from citybase.collection.templates import (
    TEMPLATE_SHEET,
    TemplateColumn,
    TemplateRow,
    TemplateSpec,
    build_template,
)

REPORT = [
    ReportLine("数据", "数据!C3", "RANGE_GDP", "warning", "增速超出常见范围", "C3=45.0"),
    ReportLine("数据", "数据!B2", "SUM_CHECK", "error", "分项之和不等于合计", "B2=10; B3=12"),
    ReportLine("封面", "封面!A1", "NOTE", "warning", "=1+1 不是公式", ""),
]


def upload(tmp_path: Path) -> bytes:
    """A department's workbook: a formatted data sheet with a note of its own, and a cover sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "数据"
    for row in (["地区", "地区生产总值", "增速"], ["南山区", 10, 5.5], ["罗湖区", 12, 45.0]):
        sheet.append(row)
    sheet["B2"].font = Font(bold=True, name="宋体", size=12)
    sheet["C2"].comment = Comment("按可比价格计算", "张三")
    sheet.merge_cells("D1:E1")
    sheet["D1"] = "备注"
    book.create_sheet("封面")["A1"] = "2024年一季度报表"
    path = tmp_path / "upload.xlsx"
    book.save(path)
    return path.read_bytes()


def opened(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def worksheet(book: openpyxl.Workbook, name: str) -> Worksheet:
    sheet = book[name]
    assert isinstance(sheet, Worksheet)
    return sheet


def test_marks_fill_and_comment_their_cells_and_keep_the_formatting(tmp_path: Path) -> None:
    marks = [
        CellMark("数据", 2, 1, "error", "SUM_CHECK: 分项之和不等于合计"),
        CellMark("数据", 3, 2, "warning", "RANGE_GDP: 增速超出常见范围"),
    ]
    sheet = worksheet(opened(annotate_upload(upload(tmp_path), "xlsx", marks, REPORT)), "数据")
    error, warning = sheet["B2"], sheet["C3"]
    assert error.fill.fgColor.rgb.endswith("FFC7CE")
    assert error.font.color.rgb.endswith("9C0006")
    assert (error.font.b, error.font.name, error.font.sz) == (True, "宋体", 12)  # the user's font, recoloured
    assert error.comment.text == "SUM_CHECK: 分项之和不等于合计"
    assert error.comment.author == "CityBase"
    assert warning.fill.fgColor.rgb.endswith("FFEB9C")
    assert warning.comment.text == "RANGE_GDP: 增速超出常见范围"
    assert error.value == 10
    assert sheet["A2"].comment is None
    assert sheet["A2"].fill.fill_type is None


def test_marks_on_one_cell_make_one_comment(tmp_path: Path) -> None:
    marks = [
        CellMark("数据", 3, 2, "warning", "RANGE_GDP: 增速超出常见范围"),
        CellMark("数据", 3, 2, "error", "SUM_CHECK: 分项之和不等于合计"),
        CellMark("数据", 3, 2, "warning", "RANGE_GDP: 增速超出常见范围"),
    ]
    cell = worksheet(opened(annotate_upload(upload(tmp_path), "xlsx", marks, REPORT)), "数据")["C3"]
    assert cell.comment.text == "RANGE_GDP: 增速超出常见范围\nSUM_CHECK: 分项之和不等于合计"
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")  # one error among them makes the cell an error
    assert cell.comment.height > 40


def test_the_users_own_note_is_kept_and_merged_cells_are_marked_at_their_anchor(tmp_path: Path) -> None:
    marks = [CellMark("数据", 2, 2, "warning", "超出范围"), CellMark("数据", 1, 4, "error", "表头不规范")]
    sheet = worksheet(opened(annotate_upload(upload(tmp_path), "xlsx", marks, REPORT)), "数据")
    assert sheet["C2"].comment.text == "超出范围\n——\n按可比价格计算"
    assert sheet["D1"].comment.text == "表头不规范"
    assert sheet["D1"].fill.fgColor.rgb.endswith("FFC7CE")


def test_report_sheet_comes_first_with_errors_first(tmp_path: Path) -> None:
    marks = [CellMark("不存在", 2, 1, "error", "忽略"), CellMark("数据", 0, 1, "error", "忽略")]
    book = opened(annotate_upload(upload(tmp_path), "xlsx", marks, REPORT))
    assert book.sheetnames == [REPORT_SHEET, "数据", "封面"]
    report = worksheet(book, REPORT_SHEET)
    rows = [list(row) for row in report.iter_rows(values_only=True)]
    assert tuple(rows[0]) == REPORT_HEADER
    assert rows[1] == ["数据", "数据!B2", "SUM_CHECK", "错误", "分项之和不等于合计", "B2=10; B3=12"]
    assert [row[3] for row in rows[1:]] == ["错误", "警告", "警告"]
    assert rows[3][4] == "=1+1 不是公式"
    assert report["E4"].data_type == "s"  # text, never a formula
    assert report.auto_filter.ref == "A1:F4"
    assert report.freeze_panes == "A2"
    assert book.active is report
    assert not worksheet(book, "数据").sheet_view.tabSelected
    assert report["D2"].fill.fgColor.rgb.endswith("FFC7CE")


def test_an_earlier_report_is_replaced(tmp_path: Path) -> None:
    first = annotate_upload(upload(tmp_path), "xlsx", [], REPORT)
    again = opened(annotate_upload(first, "xlsx", [], REPORT[:1]))
    assert again.sheetnames == [REPORT_SHEET, "数据", "封面"]
    assert worksheet(again, REPORT_SHEET).max_row == 2


def test_a_protected_template_is_unprotected_and_marked() -> None:
    template = build_template(
        TemplateSpec(
            task_code="GDP_Q",
            task_name="季度地区生产总值",
            org_code="NANSHAN",
            org_name="南山区统计局",
            period="2024Q1",
            period_label="2024年一季度",
            deadline="2024-04-15",
            columns=[TemplateColumn("GDP", "地区生产总值", "亿元", 2, 0, None, "当年价格")],
            rows=[TemplateRow("440305", "南山区")],
        )
    )
    filled = opened(template)
    worksheet(filled, TEMPLATE_SHEET)["C5"] = -3
    buffer = io.BytesIO()
    filled.save(buffer)
    mark = CellMark(TEMPLATE_SHEET, 5, 2, "error", "GDP 不能为负数")
    book = opened(annotate_upload(buffer.getvalue(), "xlsx", [mark], []))
    sheet = worksheet(book, TEMPLATE_SHEET)
    assert not sheet.protection.sheet
    assert sheet["C5"].comment.text == "GDP 不能为负数"
    assert sheet["C5"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["C5"].value == -3
    assert sheet["C5"].number_format == "0.00"
    assert sheet.data_validations.dataValidation  # the template's validations survive
    assert book.sheetnames[0] == REPORT_SHEET
    assert worksheet(book, REPORT_SHEET).max_row == 1  # a header and no findings


def test_csv_rows_become_a_marked_workbook() -> None:
    rows: list[list[object]] = [
        ["地区", "GDP", "备注"],
        ["440305", "1800.5", '=HYPERLINK("http://example.com","点击")'],
        ["440303", "", "bell\x07"],
    ]
    marks = [
        CellMark("南山数据", 2, 1, "error", "超出范围"),
        CellMark("", 3, 1, "warning", "缺失"),  # "" is the CSV's only sheet
        CellMark("南山数据", 6, 0, "warning", "合计行缺失"),  # past the data
        CellMark("别的表", 2, 0, "error", "忽略"),
    ]
    content = annotate_upload(b"ignored", "csv", marks, REPORT, csv_rows=rows, csv_sheet="南山数据")
    book = opened(content)
    assert book.sheetnames == [REPORT_SHEET, "南山数据"]
    sheet = worksheet(book, "南山数据")
    assert [cell.value for cell in sheet[2]] == [
        "440305",
        "1800.5",
        '=HYPERLINK("http://example.com","点击")',
    ]
    assert sheet["C2"].data_type == "s"
    assert sheet["C3"].value == "bell"
    assert sheet["B2"].comment.text == "超出范围"
    assert sheet["B2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["B3"].value is None
    assert sheet["B3"].comment.text == "缺失"
    assert sheet["B3"].fill.fgColor.rgb.endswith("FFEB9C")
    assert sheet["A6"].comment.text == "合计行缺失"
    assert worksheet(book, REPORT_SHEET).max_row == 4
    assert book.active is book[REPORT_SHEET]


def test_a_csv_sheet_name_excel_forbids_is_made_valid() -> None:
    content = annotate_upload(
        b"", "csv", [CellMark("a/b:c", 1, 0, "error", "x")], [], csv_rows=[["v"]], csv_sheet="a/b:c"
    )
    book = opened(content)
    assert book.sheetnames == [REPORT_SHEET, "a_b_c"]
    assert worksheet(book, "a_b_c")["A1"].comment.text == "x"


def test_a_workbook_openpyxl_refuses_is_rebuilt_from_its_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise TypeError("expected <class 'str'>")  # as openpyxl fails on some WPS files

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    content = annotate_upload(upload(tmp_path), "xlsx", [CellMark("数据", 3, 2, "error", "超出范围")], REPORT)
    monkeypatch.undo()
    book = opened(content)
    assert book.sheetnames == [REPORT_SHEET, "数据", "封面"]
    sheet = worksheet(book, "数据")
    assert [cell.value for cell in sheet[3]][:3] == ["罗湖区", 12, 45]
    assert sheet["C3"].comment.text == "超出范围"


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        annotate_upload(b"", "ods", [], [])
