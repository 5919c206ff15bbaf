"""The .xlsx template of a collection task: layout, protection, validations and the hidden meta sheet."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.worksheet import Worksheet

from citybase.collection.templates import (
    INSTRUCTIONS_SHEET,
    META_SHEET,
    TEMPLATE_SHEET,
    TemplateColumn,
    TemplateRow,
    TemplateSpec,
    build_template,
    read_template_meta,
)

LONG_DEFINITION = "按当年价格计算的全部常住单位生产活动的最终成果。" * 20


def spec(rows: list[TemplateRow] | None = None, columns: list[TemplateColumn] | None = None) -> TemplateSpec:
    return TemplateSpec(
        task_code="GDP_Q",
        task_name="季度地区生产总值",
        org_code="NANSHAN",
        org_name="南山区统计局",
        period="2024Q1",
        period_label="2024年一季度",
        deadline="2024-04-15",
        columns=[
            TemplateColumn("GDP", "地区生产总值", "亿元", 2, 0, None, LONG_DEFINITION),
            TemplateColumn("URBAN_RATE", "城镇化率", "%", 1, 0, 100, "城镇常住人口占常住人口的比重"),
            TemplateColumn("NET_MIGRATION", "净迁入人口", "人", 0, None, None, ""),
        ]
        if columns is None
        else columns,
        rows=[TemplateRow("440305", "南山区"), TemplateRow("440303", "罗湖区")] if rows is None else rows,
    )


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path: Path = tmp_path_factory.mktemp("template") / "GDP_Q-NANSHAN.xlsx"
    path.write_bytes(build_template(spec()))
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def sheet(book: openpyxl.Workbook) -> Worksheet:
    found = book[TEMPLATE_SHEET]
    assert isinstance(found, Worksheet)
    return found


def values(sheet: Worksheet, row: int) -> list[object]:
    return [cell.value for cell in sheet[row]]


def test_title_organisation_and_headers(sheet: Worksheet) -> None:
    assert sheet["A1"].value == "季度地区生产总值（2024年一季度）"
    assert sheet["A1"].font.b
    assert sheet["A1"].font.sz > 11
    assert sheet["A2"].value == "报送单位：南山区统计局（NANSHAN）    截止日期：2024-04-15"
    assert {str(merged) for merged in sheet.merged_cells.ranges} == {"A1:E1", "A2:E2"}
    assert values(sheet, 3) == [
        "地区代码",
        "地区名称",
        "地区生产总值（亿元）",
        "城镇化率（%）",
        "净迁入人口（人）",
    ]
    assert sheet["C3"].alignment.wrap_text


def test_codes_row_and_prefilled_regions(sheet: Worksheet) -> None:
    assert values(sheet, 4) == ["REGION", "NAME", "GDP", "URBAN_RATE", "NET_MIGRATION"]
    assert sheet["C4"].font.sz < 11
    assert values(sheet, 5) == ["440305", "南山区", None, None, None]
    assert values(sheet, 6) == ["440303", "罗湖区", None, None, None]
    assert sheet.max_row == 6
    assert sheet["A5"].data_type == "s"
    assert sheet["A5"].number_format == "@"


def test_protected_with_only_the_data_cells_open(sheet: Worksheet) -> None:
    assert sheet.protection.sheet
    assert sheet.protection.password is None
    assert not sheet.protection.formatColumns  # False means users may resize and format columns
    for locked in ("A1", "C3", "C4", "A5", "B6"):
        assert sheet[locked].protection.locked, locked
    for open_cell in ("C5", "D6", "E5"):
        assert not sheet[open_cell].protection.locked, open_cell
    assert sheet["C7"].protection.locked  # no row for regions the task does not ask for
    assert sheet.freeze_panes == "C5"


def test_number_format_follows_the_decimals(sheet: Worksheet) -> None:
    assert [sheet[f"{letter}5"].number_format for letter in "CDE"] == ["0.00", "0.0", "0"]


def test_each_data_column_is_validated(sheet: Worksheet) -> None:
    found = {str(item.sqref): item for item in sheet.data_validations.dataValidation}
    assert set(found) == {"C5:C6", "D5:D6", "E5:E6"}
    assert all(item.type == "decimal" for item in found.values())
    gdp, rate, migration = found["C5:C6"], found["D5:D6"], found["E5:E6"]
    assert (gdp.operator, gdp.formula1, gdp.formula2) == ("greaterThanOrEqual", "0", None)
    assert (rate.operator or "between", rate.formula1, rate.formula2) == ("between", "0", "100")
    assert (float(migration.formula1), float(migration.formula2)) == (-1e300, 1e300)
    assert rate.error is not None
    assert "0 ~ 100" in rate.error
    assert "城镇化率" in rate.error
    assert gdp.error is not None
    assert "≥ 0" in gdp.error
    assert gdp.prompt is not None
    assert gdp.prompt.startswith("单位：亿元")
    assert len(gdp.prompt) == 255  # the long 口径 is cut to Excel's limit
    assert rate.promptTitle == "城镇化率（%）"
    assert rate.showInputMessage
    assert rate.showErrorMessage


def test_instructions_sheet(book: openpyxl.Workbook) -> None:
    sheet = book[INSTRUCTIONS_SHEET]
    assert isinstance(sheet, Worksheet)
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    text = "\n".join(str(cell) for row in rows[:4] for cell in row if cell)
    assert "请勿修改" in text
    assert "“—”" in text
    assert "citybase import" in text
    table = [row for row in rows if row[0] in ("指标代码", "GDP", "URBAN_RATE", "NET_MIGRATION")]
    assert table[0] == ["指标代码", "指标名称", "单位", "小数位数", "有效范围", "口径（指标解释）"]
    assert table[1] == ["GDP", "地区生产总值", "亿元", 2, "≥ 0", LONG_DEFINITION]
    assert table[2][4] == "0 ~ 100"
    assert table[3][4] == "不限"


def test_meta_sheet_is_hidden_and_names_the_task(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [TEMPLATE_SHEET, INSTRUCTIONS_SHEET, META_SHEET]
    meta = book[META_SHEET]
    assert meta.sheet_state == "hidden"
    assert isinstance(meta, Worksheet)
    assert [list(row) for row in meta.iter_rows(values_only=True)] == [
        ["format", "citybase-template"],
        ["version", "1"],
        ["task", "GDP_Q"],
        ["org", "NANSHAN"],
        ["period", "2024Q1"],
    ]


def test_calamine_reads_it_and_the_meta_back() -> None:
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(build_template(spec())))
    assert workbook.sheet_names == [TEMPLATE_SHEET, INSTRUCTIONS_SHEET, META_SHEET]
    rows = workbook.get_sheet_by_name(TEMPLATE_SHEET).to_python(skip_empty_area=False)
    assert rows[3] == ["REGION", "NAME", "GDP", "URBAN_RATE", "NET_MIGRATION"]
    assert rows[4][:2] == ["440305", "南山区"]
    meta = read_template_meta(workbook.get_sheet_by_name(META_SHEET).to_python())
    assert meta == {
        "format": "citybase-template",
        "version": "1",
        "task": "GDP_Q",
        "org": "NANSHAN",
        "period": "2024Q1",
    }


def test_meta_of_other_sheets_is_empty() -> None:
    assert read_template_meta([["format", "something-else"], ["task", "X"]]) == {}
    assert read_template_meta([["地区", "GDP"], [None], []]) == {}


def test_a_template_without_rows_or_columns_still_opens() -> None:
    book = openpyxl.load_workbook(io.BytesIO(build_template(spec(rows=[], columns=[]))))
    sheet = book[TEMPLATE_SHEET]
    assert isinstance(sheet, Worksheet)
    assert values(sheet, 4) == ["REGION", "NAME"]
    assert not sheet.data_validations.dataValidation


region_texts = (
    st.text(
        alphabet=st.characters(whitelist_categories=("L", "N", "P", "Zs"), max_codepoint=0xFFFF),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.from_regex(r"\A[0-9]{6,12}\Z"), region_texts), min_size=1, max_size=5))
def test_regions_read_back_unchanged(regions: list[tuple[str, str]]) -> None:
    content = build_template(spec(rows=[TemplateRow(code, name) for code, name in regions]))
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(
        TEMPLATE_SHEET
    )
    assert [tuple(row[:2]) for row in rows.to_python(skip_empty_area=False)[4:]] == regions
