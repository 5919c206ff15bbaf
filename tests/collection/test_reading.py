"""Reading uploads: workbooks and CSV files built here, as departments send them, and files to refuse."""

from __future__ import annotations

import csv
import datetime
import io
import random
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from citybase.collection.reading import RawSheet, ReadLimits, read_csv_text, read_upload
from citybase.errors import InvalidInput

Build = Callable[[Any], object]


def workbook(*sheets: tuple[str, Build]) -> bytes:
    """An .xlsx made with xlsxwriter: each sheet filled by its builder."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, build in sheets:
        build(book.add_worksheet(name))
    book.close()
    return buffer.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def refusal(data: bytes, filename: str, limits: ReadLimits | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        read_upload(data, filename, limits=limits or ReadLimits())
    error = caught.value
    assert error.problems, "every refusal carries a problem naming where"
    assert error.problems[0].column == filename
    return error


CHINESE = [["地区", "地区生产总值", "常住人口"], ["福田区", "5,123.4", "155"], ["南山区", "8,035.8", "180"]]


# --- Excel -------------------------------------------------------------------------------------------


def test_xlsx_cells_merged_ranges_and_positions() -> None:
    def build(sheet: Any) -> None:
        sheet.merge_range("C3:E3", "2023年各区地区生产总值")
        sheet.write("C4", "地区")
        sheet.merge_range("D4:E4", "地区生产总值")
        sheet.write_row("D5", ["第一产业", "第二产业"])
        sheet.write_row("C6", ["南山区", 12, 1.5])
        sheet.write("C7", "罗湖区")
        sheet.write("D7", datetime.date(2023, 1, 31), sheet_format)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet_format = book.add_format({"num_format": "yyyy-mm-dd"})
    build(book.add_worksheet("数据"))
    book.close()

    [sheet] = read_upload(buffer.getvalue(), "报表.xlsx")
    assert sheet.name == "数据"
    assert sheet.kind == "xlsx"
    assert sheet.encoding is None
    assert sheet.first_row == 3  # the two empty rows above are not read, but counted
    assert {len(row) for row in sheet.rows} == {5}  # columns keep their sheet positions (C is index 2)
    assert sheet.rows[0][2:] == ["2023年各区地区生产总值"] * 3  # a merged title repeats across its range
    assert sheet.rows[1][2:] == ["地区", "地区生产总值", "地区生产总值"]
    assert sheet.rows[2][2:] == ["", "第一产业", "第二产业"]
    assert sheet.rows[3][2:] == ["南山区", 12.0, 1.5]  # calamine gives floats for integers: kept as read
    assert sheet.rows[4][3] in (datetime.date(2023, 1, 31), datetime.datetime(2023, 1, 31))


def test_hidden_and_empty_sheets_are_skipped() -> None:
    def hidden(sheet: Any) -> None:
        sheet.write("A1", "lookup")
        sheet.hide()

    data = workbook(
        ("空", lambda sheet: None),
        ("数据", lambda sheet: [sheet.write_row(index, 0, row) for index, row in enumerate(CHINESE)]),
        ("隐藏", hidden),
    )
    sheets = read_upload(data, "book.xlsm")
    assert [sheet.name for sheet in sheets] == ["数据"]
    assert sheets[0].rows == CHINESE


def test_a_workbook_of_empty_sheets_has_no_data() -> None:
    data = workbook(("Sheet1", lambda sheet: None), ("Sheet2", lambda sheet: sheet.write_blank("B2", None)))
    error = refusal(data, "empty.xlsx")
    assert "contains no data" in str(error)


def test_an_excel_file_renamed_csv_is_read_as_a_workbook() -> None:
    data = workbook(
        ("数据", lambda sheet: [sheet.write_row(index, 0, row) for index, row in enumerate(CHINESE)])
    )
    [sheet] = read_upload(data, "renamed.csv")
    assert sheet.kind == "xlsx"
    assert sheet.rows == CHINESE


def test_random_bytes_named_xlsx_are_corrupt() -> None:
    data = random.Random(7).randbytes(4096)  # noqa: S311 - repeatable test bytes, not a secret
    error = refusal(data, "fake.xlsx")
    assert "corrupt or not an Excel file" in str(error)
    assert error.problems[0].code == "corrupt"


def test_a_zip_that_is_not_a_workbook_is_corrupt() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    assert "corrupt or not an Excel file" in str(refusal(buffer.getvalue(), "other.xlsx"))


@pytest.mark.parametrize("filename", ["protected.xlsx", "legacy.xls", "legacy.csv"])
def test_ole2_files_are_password_protected_or_old_xls(filename: str) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088)
    error = refusal(data, filename)
    assert "password-protected or in the old .xls format" in str(error)
    assert "save it as .xlsx" in str(error)


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    # One member of 4 MB of zeros compresses about a thousandfold: far above the ratio a workbook has.
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        for _ in range(4):
            member.write(bytes(1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 50_000
    error = refusal(data, "bomb.xlsx")
    assert error.problems[0].code == "zip_bomb"
    # The declared total is checked too, whatever the ratio.
    small = ReadLimits(max_uncompressed_bytes=1024 * 1024, max_compression_ratio=10_000)
    error = refusal(data, "bomb.xlsx", small)
    assert error.problems[0].code == "zip_bomb"
    assert "4 MB" in str(error)


def test_a_real_workbook_passes_the_bomb_check() -> None:
    def build(sheet: Any) -> None:
        sheet.write_row(0, 0, ["地区", "数值"])
        for index in range(1, 5001):
            sheet.write_row(index, 0, [f"区{index}", index])

    [sheet] = read_upload(workbook(("数据", build)), "big.xlsx")
    assert len(sheet.rows) == 5001


def test_rows_over_the_limit_in_a_workbook() -> None:
    def build(sheet: Any) -> None:
        for index in range(30):
            sheet.write_row(index, 0, ["区", index])

    error = refusal(workbook(("A", build), ("B", build)), "rows.xlsx", ReadLimits(max_rows=50))
    assert "more than 50 rows" in str(error)
    assert (
        len(read_upload(workbook(("A", build), ("B", build)), "rows.xlsx", limits=ReadLimits(max_rows=60)))
        == 2
    )


# --- CSV ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_csv_encodings(encoding: str, expected: str) -> None:
    [sheet] = read_upload(csv_bytes(CHINESE, encoding), "各区指标.csv")
    rows: list[list[object]] = [list(row) for row in CHINESE]
    assert sheet == RawSheet("各区指标", rows, first_row=1, encoding=expected, kind="csv")


def test_short_gbk_text_is_not_taken_for_korean() -> None:
    # A few Chinese characters decode as cleanly in CP949; a Chinese city's files are GB18030.
    text, encoding = read_csv_text("指标,值\n福田,1\n".encode("gbk"))
    assert (text, encoding) == ("指标,值\n福田,1\n", "gb18030")


def test_gb18030_characters_outside_gbk() -> None:
    rows = [["地区", "名称"], ["南山区", "𠮷野家"]]
    [sheet] = read_upload(csv_bytes(rows, "gb18030"), "x.csv")
    assert sheet.rows == rows


@pytest.mark.parametrize(
    ("delimiter", "filename"), [("\t", "data.tsv"), ("\t", "data.txt"), (";", "data.csv"), ("|", "d.csv")]
)
def test_delimiters_are_sniffed(delimiter: str, filename: str) -> None:
    [sheet] = read_upload(csv_bytes(CHINESE, delimiter=delimiter), filename)
    assert sheet.rows == CHINESE


def test_quoted_fields_with_delimiters_and_line_breaks() -> None:
    rows = [["地区", "说明", "数值"], ["南山区", "含前海,蛇口", "1,234"], ["福田区", "第一行\n第二行", "5"]]
    [sheet] = read_upload(csv_bytes(rows), "quoted.csv")
    assert sheet.rows == rows


def test_ragged_rows_are_padded_and_trailing_empty_columns_trimmed() -> None:
    data = "标题\n单位：万元,,,,\n地区,数值,,\n南山区,1,,\n\n福田区,2\n,,,\n\n".encode()
    [sheet] = read_upload(data, "ragged.csv")
    assert sheet.rows == [
        ["标题", ""],
        ["单位：万元", ""],
        ["地区", "数值"],
        ["南山区", "1"],
        ["", ""],  # a blank line inside is kept, so row numbers stay the file's own
        ["福田区", "2"],
    ]


def test_empty_csv_files_have_no_data() -> None:
    for data in (b"", b"  \r\n\r\n", b",,,\n,,\n"):
        assert "contains no data" in str(refusal(data, "empty.csv"))


def test_undecodable_text_names_the_encodings_tried() -> None:
    data = b"\x00\x01\x02\x03\x81\x82" * 500
    error = refusal(data, "binary.csv")
    assert "could not be read as text" in str(error)
    assert "utf-8" in str(error)
    with pytest.raises(UnicodeError, match="utf-8"):
        read_csv_text(data)


def test_unsupported_extensions_name_the_accepted_ones() -> None:
    for filename in ("report.pdf", "data.ods", "noextension"):
        error = refusal(b"anything", filename)
        assert ".xlsx, .xlsm, .csv, .tsv, .txt" in str(error)


def test_size_is_checked_first_and_named_in_mb() -> None:
    limits = ReadLimits(max_bytes=1024 * 1024)
    # Not even a valid file: the size is refused before anything looks at the content.
    error = refusal(b"\xd0\xcf\x11\xe0" + bytes(2 * 1024 * 1024), "big.xlsx", limits)
    assert error.problems[0].code == "too_large"
    assert "2.0 MB" in str(error)
    assert "1 MB limit" in str(error)


@pytest.mark.parametrize("quoted", [False, True])
def test_rows_over_the_limit_in_a_csv(quoted: bool) -> None:
    cell = '"1,0"' if quoted else "1"
    data = ("a,b\n" + f"x,{cell}\n" * 20).encode()
    error = refusal(data, "rows.csv", ReadLimits(max_rows=10))
    assert "more than 10 rows" in str(error)
    assert len(read_upload(data, "rows.csv", limits=ReadLimits(max_rows=21))[0].rows) == 21


def test_a_broken_csv_names_the_line() -> None:
    data = ("a,b\n1," + "x" * 200_000 + "\n").encode().replace(b"1,", b'1,"', 1)
    error = refusal(data, "broken.csv")
    assert error.problems[0].code == "csv"
    assert error.problems[0].row is not None


def test_a_large_csv_reads_quickly() -> None:
    rows = 200_000
    text = "地区,指标,期间,数值,备注\n" + "".join(
        f"南山区{i % 9},GDP,2023Q{i % 4 + 1},{i * 1.5},文字\n" for i in range(rows)
    )
    data = text.encode()
    started = time.perf_counter()
    [sheet] = read_upload(data, "large.csv")
    elapsed = time.perf_counter() - started
    assert len(sheet.rows) == rows + 1
    last = rows - 1
    assert sheet.rows[-1] == [f"南山区{last % 9}", "GDP", f"2023Q{last % 4 + 1}", f"{last * 1.5}", "文字"]
    # About 0.35 s on the development machine (1,000,000 rows: 1.7 s); the bound leaves room for load.
    assert elapsed < 1.5


CELL_TEXT = st.text(alphabet=st.sampled_from(list('aZ1南山区,"\n\r —％é𠮷')), max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=4).flatmap(
        lambda width: st.lists(st.lists(CELL_TEXT, min_size=width, max_size=width), min_size=1, max_size=8)
    )
)
def test_csv_round_trip(rows: list[list[str]]) -> None:
    expected = [list(row) for row in rows]
    while expected and not any(cell.strip() for cell in expected[-1]):
        expected.pop()
    while expected and not any(row[-1].strip() for row in expected):
        for row in expected:
            row.pop()
    data = csv_bytes(rows)
    if not expected:
        assert "contains no data" in str(refusal(data, "round.csv"))
        return
    [sheet] = read_upload(data, "round.csv")
    assert sheet.rows == expected
