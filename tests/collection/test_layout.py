"""Finding title, header, columns, units and data rows in sheets laid out as government statistics are."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from citybase.collection.cells import parse_number
from citybase.collection.layout import SCAN_ROWS, column_letter, detect_layout
from citybase.collection.reading import RawSheet, read_upload
from citybase.errors import InvalidInput


def shenzhen_gdp() -> bytes:
    """The 2023 district GDP table as a statistics bureau lays it out, built with xlsxwriter."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("各区GDP")
    sheet.merge_range("A1:E1", "2023年深圳市各区地区生产总值")
    sheet.write("E2", "单位：亿元")
    sheet.merge_range("A3:A4", "地区")
    sheet.merge_range("B3:D3", "地区生产总值")
    sheet.write_row("B4", ["合计", "第一产业", "第二产业"])
    sheet.merge_range("E3:E4", "增速\n(%)")
    sheet.write_row("A5", ["福田区", "5,123.45", "—", "1,020.3", "5.2%"])
    sheet.write_row("A6", ["南山区", "８，５６６．１", 0.3, "2,868.9", 6.1])
    sheet.write_row("A7", ["罗湖区", 2700, "-", 180.25, "１．２％"])
    sheet.write("A9", "注：1. 本表为初步核算数。")
    sheet.write("A10", "2. 增速按不变价格计算。")
    book.close()
    return buffer.getvalue()


def test_a_district_gdp_table() -> None:
    [sheet] = read_upload(shenzhen_gdp(), "深圳各区GDP.xlsx")
    layout = detect_layout(sheet)

    assert layout.sheet == "各区GDP"
    assert layout.kind == "xlsx"
    assert layout.title == "2023年深圳市各区地区生产总值 单位：亿元"
    assert layout.caption_unit == "亿元"
    assert layout.header_rows == (3, 4)
    assert [(column.letter, column.header, column.unit) for column in layout.columns] == [
        ("A", "地区", None),
        ("B", "地区生产总值 / 合计", None),
        ("C", "地区生产总值 / 第一产业", None),
        ("D", "地区生产总值 / 第二产业", None),
        ("E", "增速", "%"),
    ]
    assert layout.columns[4].raw_header == "增速\n(%)"
    # The blank row and the two note lines at the bottom are not data.
    assert [row.number for row in layout.rows] == [5, 6, 7]

    values = {
        (row.cells[0], column.header): parse_number(row.cells[column.index])
        for row in layout.rows
        for column in layout.columns[1:]
    }
    assert values["福田区", "地区生产总值 / 合计"].value == Decimal("5123.45")  # type: ignore[union-attr]
    assert values["福田区", "地区生产总值 / 第一产业"] is None
    assert values["南山区", "地区生产总值 / 合计"].value == Decimal("8566.1")  # type: ignore[union-attr]
    assert values["罗湖区", "地区生产总值 / 合计"].value == Decimal("2700")  # type: ignore[union-attr]
    growth = values["罗湖区", "增速"]
    assert growth is not None
    assert (growth.value, growth.percent) == (Decimal("1.2"), True)


def test_the_same_headers_give_the_same_fingerprint() -> None:
    [sheet] = read_upload(shenzhen_gdp(), "a.xlsx")
    layout = detect_layout(sheet)
    other = RawSheet(
        "其他",
        [
            ["地区", "地区生产总值", "地区生产总值", "地区生产总值", "增速（%）"],
            ["", "合计", "第一产业", "第二产业", ""],
            ["宝安区", "1", "2", "3", "4"],
        ],
    )
    assert detect_layout(other).fingerprint == layout.fingerprint
    renamed = RawSheet("改", [["区域", "数值"], ["宝安区", "1"]])
    assert detect_layout(renamed).fingerprint != layout.fingerprint
    assert len(layout.fingerprint) == 64


def test_a_header_of_years_after_text_columns() -> None:
    sheet = RawSheet(
        "年度",
        [
            ["主要指标", "", "", "", ""],
            ["指标名称", "单位", 2019.0, 2020.0, 2021.0],
            ["地区生产总值", "亿元", 26927.1, 27670.2, 30664.9],
            ["常住人口", "万人", 1710, 1763, 1768],
        ],
    )
    layout = detect_layout(sheet)
    assert layout.header_rows == (2,)
    assert [column.header for column in layout.columns] == ["指标名称", "单位", "2019", "2020", "2021"]
    assert layout.title == "主要指标"
    assert [row.number for row in layout.rows] == [3, 4]


def test_a_second_header_row_of_years() -> None:
    sheet = RawSheet(
        "s",
        [
            ["地区", "地区生产总值（亿元）", "地区生产总值（亿元）", "常住人口（万人）"],
            ["地区", "2022年", "2023年", "2023年"],
            ["南山区", "7,757.5", "8,566.1", "180.0"],
        ],
    )
    layout = detect_layout(sheet)
    assert layout.header_rows == (1, 2)
    assert [(column.header, column.unit) for column in layout.columns] == [
        ("地区", None),
        ("地区生产总值 / 2022年", "亿元"),
        ("地区生产总值 / 2023年", "亿元"),
        ("常住人口 / 2023年", "万人"),
    ]


def test_report_form_captions_numbering_row_and_signatures() -> None:
    sheet = RawSheet(
        "A101",
        [
            ["表号：A101", "", "制定机关：市统计局"],
            ["填报单位：南山区统计局", "", "金额单位：万元"],
            ["", "", ""],
            ["指标", "本期", "上年同期"],
            ["甲", 1, 2],
            ["营业收入", "1,200", "1,000"],
            ["", "", ""],
            ["利润总额", "300", "280"],
            ["单位负责人：张三", "填表人：李四", "报出日期：2024年1月5日"],
        ],
        first_row=2,
    )
    layout = detect_layout(sheet)
    assert layout.caption_unit == "万元"
    assert layout.title == "表号：A101 制定机关：市统计局 填报单位：南山区统计局 金额单位：万元"
    assert layout.header_rows == (5, 6)  # the header, then the row numbering its columns
    assert [column.header for column in layout.columns] == ["指标", "本期", "上年同期"]
    assert [(row.number, row.cells[0]) for row in layout.rows] == [(7, "营业收入"), (9, "利润总额")]


def test_a_group_name_merged_over_value_columns_above_the_header() -> None:
    sheet = RawSheet(
        "s",
        [
            ["", "地区生产总值", "地区生产总值", ""],
            ["地区", "第一产业", "第二产业", "人口"],
            ["南山区", 1, 2, 3],
        ],
    )
    layout = detect_layout(sheet)
    assert layout.header_rows == (1, 2)
    assert [column.header for column in layout.columns] == [
        "地区",
        "地区生产总值 / 第一产业",
        "地区生产总值 / 第二产业",
        "人口",
    ]


def test_units_on_a_last_line_and_on_a_row_of_their_own() -> None:
    sheet = RawSheet(
        "s",
        [
            ["地区", "地区生产总值\n亿元", "人口", "面积"],
            ["", "", "万人", "(平方公里)"],
            ["南山区", 8566.1, 180, 187.5],
        ],
    )
    layout = detect_layout(sheet)
    assert [(column.header, column.unit) for column in layout.columns] == [
        ("地区", None),
        ("地区生产总值", "亿元"),
        ("人口", "万人"),
        ("面积", "平方公里"),
    ]
    assert layout.columns[1].raw_header == "地区生产总值\n亿元"
    assert layout.columns[2].raw_header == "人口 / 万人"


def test_rows_of_missing_values_and_section_names_are_data() -> None:
    sheet = RawSheet(
        "s",
        [
            ["地区", "数值", "增速"],
            ["一、东部", "", ""],
            ["盐田区", "—", "—"],
            ["南山区", "1", "2"],
            ["注：“—”表示无数据。", "", ""],
        ],
    )
    layout = detect_layout(sheet)
    assert layout.header_rows == (1,)
    assert [row.cells[0] for row in layout.rows] == ["一、东部", "盐田区", "南山区"]


def test_a_caption_at_the_end_of_the_header_row() -> None:
    sheet = RawSheet(
        "s", [["地区", "地区生产总值", "常住人口", "单位：万元"], ["南山区", "8,566", "180", ""]]
    )
    layout = detect_layout(sheet)
    assert layout.header_rows == (1,)
    assert layout.caption_unit == "万元"
    assert [column.header for column in layout.columns] == ["地区", "地区生产总值", "常住人口"]


def test_a_caption_in_parentheses_in_the_title() -> None:
    sheet = RawSheet("s", [["各区常住人口（单位：万人）"], ["地区", "人口"], ["南山区", "180"]])
    assert detect_layout(sheet).caption_unit == "万人"
    sheet = RawSheet("s", [["各区常住人口（万人）"], ["地区", "人口"], ["南山区", "180"]])
    assert detect_layout(sheet).caption_unit == "万人"


def test_zero_values_are_not_blank_rows() -> None:
    sheet = RawSheet("s", [["地区", "数值"], ["南山区", 0], [0, 0.0], ["", ""]])
    assert [row.number for row in detect_layout(sheet).rows] == [2, 3]


def test_no_header_names_the_sheet() -> None:
    sheet = RawSheet("数字", [[1, 2, 3], [4, 5, 6]])
    with pytest.raises(InvalidInput) as caught:
        detect_layout(sheet)
    assert str(caught.value) == (
        "no header row found in the first 30 rows of sheet 数字: "
        "expected a row of column names followed by rows of numbers"
    )
    assert caught.value.problems[0].column == "数字"


def test_a_header_without_data_is_not_a_header() -> None:
    sheet = RawSheet("说明", [["填报说明"], ["一、本表", "按季度报送"], ["二、口径", "常住人口"]])
    with pytest.raises(InvalidInput, match="no header row found"):
        detect_layout(sheet)


def test_a_header_below_row_30_is_not_found() -> None:
    rows: list[list[object]] = [[f"说明{index}", ""] for index in range(30)]
    rows += [["地区", "数值"], ["南山区", "1"]]
    with pytest.raises(InvalidInput, match="first 30 rows"):
        detect_layout(RawSheet("s", rows))
    assert detect_layout(RawSheet("s", rows[1:])).header_rows == (30,)


def test_an_empty_sheet_is_named() -> None:
    with pytest.raises(InvalidInput, match="Sheet 空表 is empty"):
        detect_layout(RawSheet("空表", [["", None], [" ", ""]]))
    with pytest.raises(InvalidInput, match="is empty"):
        detect_layout(RawSheet("空表", []))


def test_csv_sheets_keep_their_kind() -> None:
    [sheet] = read_upload("地区,人口（万人）\r\n南山区,180\r\n".encode("gbk"), "人口.csv")
    layout = detect_layout(sheet)
    assert (layout.kind, layout.sheet) == ("csv", "人口")
    assert [(column.header, column.unit) for column in layout.columns] == [("地区", None), ("人口", "万人")]


@pytest.mark.parametrize(
    ("index", "letter"), [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters(index: int, letter: str) -> None:
    assert column_letter(index) == letter


def test_column_letters_refuse_negative_indexes() -> None:
    with pytest.raises(ValueError, match="-1"):
        column_letter(-1)


CELLS = st.one_of(
    st.sampled_from(
        ["", " ", "地区", "南山区", "合计", "第一产业", "—", "2023年", "单位：万元", "注：说明", "甲"]
    ),
    st.sampled_from([0, 1, 2, 2019, 2020, 12.5, 1e6, "1,234", "12%", True, None]),
    st.text(max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda width: st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=12)
    )
)
def test_any_sheet_gives_a_layout_or_a_refusal(rows: list[list[object]]) -> None:
    sheet = RawSheet("s", rows, first_row=3)
    try:
        layout = detect_layout(sheet)
    except InvalidInput as error:
        refused: InvalidInput | None = error
    else:
        refused = None
    if refused is not None:
        assert refused.problems[0].column == "s"
        return
    numbers = [row.number for row in layout.rows]
    assert numbers == sorted(set(numbers))
    assert layout.header_rows == tuple(range(layout.header_rows[0], layout.header_rows[-1] + 1))
    assert 3 <= layout.header_rows[0] < 3 + SCAN_ROWS
    assert all(number > layout.header_rows[-1] for number in numbers)
    assert layout.columns
    assert all(0 <= column.index < len(rows[0]) and column.header for column in layout.columns)


def test_blank_rows_are_dropped_whatever_their_first_cell() -> None:
    from citybase.collection import layout

    rows: list[list[object]] = [
        ["A", 1.0, ""],
        ["", "", "  "],
        ["  ", 2.0, ""],
        [None, None, None],
        [0, "", ""],
        [False, "", ""],
        ["", "", "x"],
        [float("nan"), "", ""],
        ["A", "", ""],
        [" \t", "", "\u3000"],
    ]
    assert layout._filled(rows) == [not layout._blank(row) for row in rows]
    assert layout._filled([[["unhashable"]], [""]]) == [True, False]
    assert layout._filled([]) == []
