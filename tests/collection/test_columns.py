"""Long tables checked column-wise give exactly what reading them row by row gives: the same values in the
same places when the sheet is clean, and, when it is not, the row-by-row path's full report."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy import select

from citybase.accounts.actor import Actor
from citybase.collection import extraction, staging
from citybase.collection.intake import IntakeResult, submit_upload
from citybase.collection.tables import submission_values
from citybase.storage import Database

INDICATORS = ("GDP", "VA_PRIMARY", "VA_SECONDARY", "VA_TERTIARY")
REGIONS = ("福田区", "南山", "440306")  # a full name, a short name and a code
QUARTERS = [f"{year}Q{quarter}" for year in range(2000, 2025) for quarter in range(1, 5)]


def _value(code: str, position: int) -> int:
    """Smooth series whose GDP is the sum of its three industries, so the demo's audit rules pass."""
    parts = {
        "VA_PRIMARY": 100 + position,
        "VA_SECONDARY": 4000 + 3 * position,
        "VA_TERTIARY": 6000 + 5 * position,
    }
    return sum(parts.values()) if code == "GDP" else parts[code]


def _rows() -> list[list[object]]:
    return [
        [code, region, period, _value(code, position), "万元"]
        for code in INDICATORS
        for region in REGIONS
        for position, period in enumerate(QUARTERS)
    ]


def _csv(rows: list[list[object]]) -> bytes:
    lines = ["指标代码,地区,时期,数值,单位", *(",".join(str(cell) for cell in row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _xlsx(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("数据")
    sheet.write_row(0, 0, ["指标代码", "地区", "时期", "数值", "单位"])
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    book.close()
    return buffer.getvalue()


def _submitted(
    db: Database, actor: Actor, body: bytes, name: str
) -> tuple[IntakeResult, list[tuple[Any, ...]]]:
    with db.write() as conn:
        result = submit_upload(conn, actor, body, name, org_code="STATS")
        values = conn.execute(
            select(
                submission_values.c.indicator_id,
                submission_values.c.region_code,
                submission_values.c.period,
                submission_values.c.value,
                submission_values.c.location,
            )
            .where(submission_values.c.submission_id == result.submission.id)
            .order_by(submission_values.c.id)
        ).all()
    return result, [tuple(row) for row in values]


def _assert_audit_columns(accepted: Any) -> None:
    """The columns handed to the audit are the facts' own, numbered as the audit would number them."""
    from citybase.audit.arrays import Submitted

    columns = accepted.columns
    facts = accepted.facts
    assert list(columns.parts[0]) == [fact.indicator for fact in facts]
    assert list(columns.parts[1]) == [fact.region_code for fact in facts]
    assert list(columns.parts[2]) == [fact.period for fact in facts]
    assert list(columns.parts[3]) == [fact.dims for fact in facts]
    assert list(columns.values) == [fact.value for fact in facts]
    numberings, codes = columns.numbered
    fresh_numberings, fresh_codes = Submitted(*columns.parts, columns.values).numbered
    assert [list(numbering.items()) for numbering in numberings] == [
        list(numbering.items()) for numbering in fresh_numberings
    ]
    assert [code.dtype for code in codes] == [code.dtype for code in fresh_codes]
    assert [code.tolist() for code in codes] == [code.tolist() for code in fresh_codes]


def _report(result: IntakeResult) -> list[tuple[str, str, str]]:
    return [(line.rule, line.location, line.message.render()) for line in result.lines]


def _both_ways(
    db: Database, actor: Actor, monkeypatch: pytest.MonkeyPatch, body: bytes, name: str
) -> tuple[tuple[IntakeResult, list[Any]], tuple[IntakeResult, list[Any]], list[bool]]:
    taken: list[bool] = []
    check: Callable[..., Any] = staging.check_table

    def spying(*args: Any, **kwargs: Any) -> Any:
        accepted = check(*args, **kwargs)
        taken.append(accepted is not None)
        if accepted is not None:
            _assert_audit_columns(accepted)
        return accepted

    monkeypatch.setattr(staging, "check_table", spying)
    column_wise = _submitted(db, actor, body, name)
    monkeypatch.setattr(extraction, "_COLUMNS_FROM", 10**9)  # every sheet row by row
    row_wise = _submitted(db, actor, body, name)
    return column_wise, row_wise, taken


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_clean_long_table_gives_the_same_values_either_way(
    db: Database, system: Actor, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    rows = _rows()
    body = _csv(rows) if kind == "csv" else _xlsx(rows)
    (columns, column_values), (by_rows, row_values), taken = _both_ways(
        db, system, monkeypatch, body, f"long.{kind}"
    )
    assert taken == [True]
    assert len(column_values) == len(rows) == 1200
    assert column_values == row_values
    assert _report(columns) == _report(by_rows)
    # 万元 → 亿元, and the place of each value is its own cell.
    sheet = "long" if kind == "csv" else "数据"
    assert column_values[0][1:] == ("440304", "2000Q1", 1.01, f"{sheet}!D2")
    assert columns.submission.status == by_rows.submission.status


def test_a_dirty_long_table_is_read_row_by_row_with_every_problem(
    db: Database, system: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _rows()
    rows[5][3] = "12,34"  # separators that do not group three digits
    rows[700][1] = "火星区"  # no such region
    rows[900] = list(rows[899])  # the same key twice
    (columns, column_values), (by_rows, row_values), taken = _both_ways(
        db, system, monkeypatch, _csv(rows), "dirty.csv"
    )
    assert taken == [False]
    assert column_values == row_values
    report = _report(columns)
    assert report == _report(by_rows)
    places = {location for _rule, location, _text in report}
    assert {"dirty!D7", "dirty!B702", "dirty!D902"} <= places


def test_values_out_of_range_are_reported_in_place(
    db: Database, system: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _rows()
    rows[42][3] = -5  # GDP may not be negative
    (columns, _values), (by_rows, _rows_values), taken = _both_ways(
        db, system, monkeypatch, _csv(rows), "neg.csv"
    )
    assert taken == [False]
    assert _report(columns) == _report(by_rows)
    assert any(location == "neg!D44" and "valid range" in text for _rule, location, text in _report(columns))


WHOLE_CASES = [
    ["1000", "-0", "+5", "007", "123456789012345", "-99999999999999", "0"],
    ["1000", "12.5"],  # a decimal: the Decimal path
    ["1000", "1_000"],
    ["1000", ""],
    ["1000", "5-3"],
    ["1000", "1234567890123456"],  # too long for the float path
    ["１２３"],  # full-width digits: the Decimal path
    [1000.0, -0.0, 12.0, 99999999999999.0, 3],
    [1000.0, 0.5],
    [1000.0, float("nan")],
    [1e15, 2.0],
    [True, 1.0],
]


@pytest.mark.parametrize("cells", WHOLE_CASES)
@pytest.mark.parametrize(
    "factors",
    [["1"], ["0.0001"], ["1E+4"], ["1E-8"], ["0.5"], ["1", "0.0001"], ["1E-8", "1E+4"], ["1E-23"], ["1E+23"]],
)
def test_whole_numbers_convert_as_decimals_do(cells: list[object], factors: list[str]) -> None:
    from decimal import Decimal

    from citybase.collection import columns

    row_factors = [Decimal(factors[number % len(factors)]) for number in range(len(cells))]
    ranges: list[tuple[float | None, float | None]] = [(None, None)] * len(cells)
    numbers = columns._numbers(cells)
    expected = None if numbers is None else columns._converted(numbers, row_factors, ranges)
    whole = columns._whole_numbers(cells)
    if whole is None:
        return  # the Decimal path reads these
    found = columns._converted_whole(whole, row_factors, ranges)
    assert expected is not None
    assert found is not None
    assert [repr(value) for value in found] == [repr(value) for value in expected]


def test_whole_numbers_are_taken_where_they_apply() -> None:
    from citybase.collection import columns

    assert columns._whole_numbers(WHOLE_CASES[0]) is not None
    assert columns._whole_numbers(WHOLE_CASES[7]) is not None
    for cells in WHOLE_CASES[1:7] + WHOLE_CASES[8:]:
        assert columns._whole_numbers(cells) is None, cells


def _varied(rows: list[list[object]], change: str) -> list[list[object]]:
    """The clean table with one kind of variation, clean or not."""
    rows = [list(row) for row in rows]
    if change == "units":  # each row its own unit: several conversion factors
        for number, row in enumerate(rows):
            row[3], row[4] = [(row[3], "万元"), (int(row[3]) * 10000, "元"), (int(row[3]) / 10000, "亿元")][
                number % 3
            ]
    elif change == "period spellings":  # the same periods written two ways, no key given twice
        for row in rows[1::2]:
            year, quarter = str(row[2]).split("Q")
            row[2] = f"{year}年{'一二三四'[int(quarter) - 1]}季度"
    elif change == "codes":  # indicator codes in lower case, regions as numbers
        for row in rows:
            row[0] = str(row[0]).lower()
            if row[1] == "440306":
                row[1] = 440306
    elif change == "repeat by spelling":  # one key twice, its period written another way
        rows[3][2] = "2000年四季度"
        rows[4][2] = "2000Q4"
        rows[3][0] = rows[4][0]
        rows[3][1] = rows[4][1]
    elif change == "frequency":  # a month for a quarterly indicator
        rows[10][2] = "2002-03"
    elif change == "outside":  # a region outside the organisation's area (Beijing)
        rows[20][1] = "110101"
    elif change == "foreign unit":
        rows[30][4] = "斤"  # not a unit of money
    elif change == "missing period":
        rows[40][2] = ""
    return rows


@pytest.mark.parametrize(
    ("change", "clean"),
    [
        ("units", True),
        ("period spellings", True),
        ("codes", True),
        ("repeat by spelling", False),
        ("frequency", False),
        ("outside", False),
        ("foreign unit", False),
        ("missing period", False),
    ],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_variations_give_the_same_either_way(
    db: Database, system: Actor, monkeypatch: pytest.MonkeyPatch, kind: str, change: str, clean: bool
) -> None:
    rows = _varied(_rows(), change)
    body = _csv(rows) if kind == "csv" else _xlsx(rows)
    (columns, column_values), (by_rows, row_values), taken = _both_ways(
        db, system, monkeypatch, body, f"varied.{kind}"
    )
    assert taken == [clean]
    assert column_values == row_values
    assert _report(columns) == _report(by_rows)
    assert columns.submission.status == by_rows.submission.status
    if clean:
        assert len(column_values) == len(rows)
    else:
        assert _report(columns)  # the problem is named, in place


def test_keys_are_numbered_together_in_order_of_appearance() -> None:
    """However many distinct parts the columns have (past what one integer can pack), the rows are numbered
    by their combination in order of first appearance, with each combination's first row."""
    import numpy

    from citybase.collection import columns

    generator = numpy.random.default_rng(3)
    for sizes in [(1, 1), (3, 1, 4), (2**21, 2**21, 2**21), (5, 2**40, 7)]:
        count = 500
        coded = [
            columns._Coded(
                generator.integers(0, min(size, 6), size=count).astype(numpy.intp), list(range(size))
            )
            if size < 2**30
            else columns._Coded(generator.integers(0, 6, size=count).astype(numpy.intp), _Huge(size))
            for size in sizes
        ]
        rows, first = columns._numbered(*coded)
        combinations = list(zip(*(column.codes.tolist() for column in coded), strict=True))
        numbering: dict[tuple[int, ...], int] = {}
        firsts: list[int] = []
        for position, combination in enumerate(combinations):
            if combination not in numbering:
                numbering[combination] = len(numbering)
                firsts.append(position)
        assert rows.tolist() == [numbering[combination] for combination in combinations]
        assert first.tolist() == firsts


class _Huge(list[int]):
    """A column's distinct values, as many as `size` (only their count is read)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __len__(self) -> int:
        return self.size
