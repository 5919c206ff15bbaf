"""Code mappings per organisation: set, list, remove, import all or nothing, export; and their effect on
uploads, whose local region and indicator names map only once the mapping is set."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from citybase.accounts.actor import Actor
from citybase.collection.codemap_import import import_code_mappings, read_mapping_rows
from citybase.collection.codemaps import (
    CodeMapping,
    Entry,
    list_code_mappings,
    mappings_csv,
    remove_code_mapping,
    set_code_mapping,
)
from citybase.collection.intake import submit_upload
from citybase.collection.model import SubmissionStatus
from citybase.collection.reading import ReadLimits
from citybase.collection.tables import code_mappings, submission_values
from citybase.collection.workflow import approve
from citybase.errors import InvalidInput, NotFound, PermissionDenied
from citybase.facts.query import SeriesQuery, query_facts
from citybase.indicators.tables import indicators
from citybase.ledger.service import LedgerFilter, list_entries
from citybase.storage import Database
from tests.factories import acting, ledger_size, row_count


def _set(
    db: Database, actor: Actor, kind: str, local: str, standard: str, org: str = "NANSHAN"
) -> CodeMapping:
    with db.write() as conn:
        return set_code_mapping(conn, actor, org, kind, local, standard)


def _listed(db: Database, actor: Actor, org: str = "NANSHAN") -> list[tuple[str, str, str, str]]:
    with db.read() as conn:
        return [
            (item.kind, item.local_code, item.standard_code, item.standard_name)
            for item in list_code_mappings(conn, actor, org)
        ]


def _import(db: Database, actor: Actor, body: bytes, name: str, org: str = "NANSHAN") -> dict[str, int]:
    with db.write() as conn:
        return import_code_mappings(conn, actor, org, body, name).as_dict()


def _xlsx(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("对照")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    return buffer.getvalue()


# --- one at a time ---------------------------------------------------------------------------------------


def test_set_list_change_and_remove_are_each_ledgered(db: Database) -> None:
    nanshan = acting(db, "nanshan_submitter")
    before = ledger_size(db)
    made = _set(db, nanshan, "region", " ＮＳ０１ ", "４４０３０５")  # full-width, as input methods type it
    assert (made.local_code, made.standard_code, made.standard_name) == ("NS01", "440305", "南山区")
    _set(db, nanshan, "indicator", "本区生产总值口径", "gdp")
    assert _listed(db, nanshan) == [
        ("indicator", "本区生产总值口径", "GDP", "地区生产总值"),
        ("region", "NS01", "440305", "南山区"),
    ]
    changed = _set(db, nanshan, "region", "NS01", "440304")
    assert (changed.standard_code, changed.standard_name, changed.updated_by) == (
        "440304",
        "福田区",
        "nanshan_submitter",
    )
    with db.write() as conn:
        removed = remove_code_mapping(conn, nanshan, "NANSHAN", "region", "NS01")
    assert removed.standard_code == "440304"
    assert _listed(db, nanshan) == [("indicator", "本区生产总值口径", "GDP", "地区生产总值")]
    assert ledger_size(db) == before + 4
    with db.read() as conn:
        actions = [
            entry.action for entry in list_entries(conn, acting(db, "admin"), LedgerFilter(org="NANSHAN"))
        ]
    assert actions[:4] == ["code_mapping.removed", "code_mapping.set", "code_mapping.set", "code_mapping.set"]
    with db.write() as conn, pytest.raises(NotFound, match="NANSHAN has no region mapping for 'NS01'"):
        remove_code_mapping(conn, nanshan, "NANSHAN", "region", "NS01")
    with db.write() as conn, pytest.raises(InvalidInput, match="Expected region or indicator"):
        remove_code_mapping(conn, nanshan, "NANSHAN", "", "本区生产总值口径")
    assert len(_listed(db, nanshan)) == 1


def test_unknown_standard_codes_and_kinds_are_refused_by_name_and_nothing_is_written(db: Database) -> None:
    nanshan = acting(db, "nanshan_submitter")
    before = (row_count(db, code_mappings), ledger_size(db))
    cases = [
        (("region", "南山片区", "449999"), "standard_code", "Unknown region code 449999"),
        (("region", "南山片区", "44"), "standard_code", "Region code '44' is malformed"),
        (("indicator", "本区GDP", "NO_SUCH"), "standard_code", "Unknown indicator NO_SUCH"),
        (
            ("street", "南山片区", "440305"),
            "kind",
            "Expected region or indicator (地区 or 指标), not 'street'",
        ),
        (("region", "  ", "440305"), "local_code", "The local code or name is empty"),
        (("region", "x" * 129, "440305"), "local_code", "longer than 128 characters"),
    ]
    for (kind, local, standard), column, text in cases:
        with db.write() as conn, pytest.raises(InvalidInput) as raised:
            set_code_mapping(conn, nanshan, "NANSHAN", kind, local, standard)
        [problem] = raised.value.problems
        assert problem.column == column
        assert text in problem.render()
    assert (row_count(db, code_mappings), ledger_size(db)) == before


def test_who_may_see_and_change_an_organisations_mappings(db: Database) -> None:
    _set(db, acting(db, "nanshan_submitter"), "region", "NS01", "440305")
    # Everyone of the organisation sees its submissions, so its mappings too; platform admins see all.
    assert _listed(db, acting(db, "nanshan_reviewer")) == [("region", "NS01", "440305", "南山区")]
    assert len(_listed(db, acting(db, "admin"))) == 1
    with pytest.raises(
        PermissionDenied, match=r"futian_submitter \(FUTIAN\) may not view submissions of another"
    ):
        _listed(db, acting(db, "futian_submitter"))
    with pytest.raises(PermissionDenied, match=r"finance_viewer \(FINANCE\) may not view submissions"):
        _listed(db, acting(db, "finance_viewer"))
    # Changing is for those who submit for it.
    with pytest.raises(PermissionDenied, match=r"nanshan_reviewer \(NANSHAN\) may not submit data"):
        _set(db, acting(db, "nanshan_reviewer"), "region", "NS02", "440305")
    with pytest.raises(PermissionDenied, match=r"may not submit data of another organisation \(NANSHAN\)"):
        _set(db, acting(db, "futian_submitter"), "region", "NS02", "440305")
    with db.write() as conn, pytest.raises(PermissionDenied):
        remove_code_mapping(conn, acting(db, "nanshan_reviewer"), "NANSHAN", "region", "NS01")
    assert _set(db, acting(db, "admin"), "region", "NS02", "440305").updated_by == "admin"


# --- many at once -----------------------------------------------------------------------------------------


def test_import_reports_every_bad_row_and_writes_nothing(db: Database) -> None:
    nanshan = acting(db, "nanshan_submitter")
    body = (
        "类型,本单位代码或名称,标准代码\n"
        "地区,NS01,440305\n"  # 2: right
        "片区,NS02,440305\n"  # 3: no such kind
        "region,NS03,449999\n"  # 4: no such region
        "\n"  # 5: blank, skipped
        "指标,本区GDP,NOPE\n"  # 6: no such indicator
        "region,,440305\n"  # 7: no local code
        "region,NS01,440306\n"  # 8: NS01 again
        "indicator,本区GDP,\n"  # 9: no standard code
    ).encode("gb18030")
    before = (row_count(db, code_mappings), ledger_size(db))
    with (
        db.write() as conn,
        pytest.raises(InvalidInput, match=r"Nothing was imported from 对照\.csv") as raised,
    ):
        import_code_mappings(conn, nanshan, "NANSHAN", body, "对照.csv")
    found = [(problem.row, problem.column, problem.code) for problem in raised.value.problems]
    assert found == [
        (3, "类型", "invalid_kind"),
        (4, "标准代码", "unknown_region"),
        (6, "标准代码", "unknown_indicator"),
        (7, "本单位代码或名称", "missing"),
        (8, "本单位代码或名称", "duplicate"),
        (9, "标准代码", "missing"),
    ]
    texts = {problem.row: problem.render() for problem in raised.value.problems}
    assert texts[4] == "Unknown region code 449999"
    assert texts[8] == "'NS01' is mapped already in row 2: each local code once per kind"
    assert (row_count(db, code_mappings), ledger_size(db)) == before


def test_import_names_a_missing_column(db: Database) -> None:
    with db.write() as conn, pytest.raises(InvalidInput) as raised:
        import_code_mappings(
            conn, acting(db, "nanshan_submitter"), "NANSHAN", b"kind,local\nregion,NS01\n", "m.csv"
        )
    [problem] = raised.value.problems
    assert (problem.row, problem.column) == (1, "standard_code")
    assert "The header has no standard_code column" in problem.render()
    with db.write() as conn, pytest.raises(InvalidInput, match="holds no code mappings"):
        import_code_mappings(
            conn, acting(db, "nanshan_submitter"), "NANSHAN", b"kind,local_code,standard_code\n", "m.csv"
        )


def test_import_of_a_workbook_adds_changes_and_keeps_in_one_ledger_entry(db: Database) -> None:
    nanshan = acting(db, "nanshan_submitter")
    _set(db, nanshan, "region", "NS01", "440304")
    _set(db, nanshan, "region", "NS09", "440305")
    _set(db, nanshan, "indicator", "本区GDP", "GDP")
    before = ledger_size(db)
    body = _xlsx(
        [
            ["Kind", "Local code", "Standard code", "standard_name"],  # an unknown column is left alone
            ["region", "NS01", 440305, "南山区"],  # changed; Excel gives the code as a number
            ["indicator", "本区GDP", "GDP", ""],  # already so
            ["indicator", "三产", "va_tertiary", ""],  # added
        ]
    )
    assert _import(db, nanshan, body, "mappings.xlsx") == {
        "rows": 3,
        "added": 1,
        "changed": 1,
        "unchanged": 1,
    }
    assert ledger_size(db) == before + 1
    assert [(kind, local, standard) for kind, local, standard, _name in _listed(db, nanshan)] == [
        ("indicator", "三产", "VA_TERTIARY"),
        ("indicator", "本区GDP", "GDP"),
        ("region", "NS01", "440305"),
        ("region", "NS09", "440305"),  # not in the file: kept
    ]
    with db.read() as conn:
        [entry] = list_entries(conn, acting(db, "admin"), LedgerFilter(action="code_mapping.imported"))
    assert (entry.detail["file"], entry.detail["added"]) == ("mappings.xlsx", 1)


def test_import_needs_the_right_to_submit(db: Database) -> None:
    body = b"kind,local_code,standard_code\nregion,NS01,440305\n"
    with db.write() as conn, pytest.raises(PermissionDenied):
        import_code_mappings(conn, acting(db, "nanshan_reviewer"), "NANSHAN", body, "m.csv")


def test_export_imports_back_unchanged_into_another_organisation(db: Database) -> None:
    nanshan = acting(db, "nanshan_submitter")
    _set(db, nanshan, "region", "NS01", "440305")
    _set(db, nanshan, "region", '南山"片区", 一', "440305")
    _set(db, nanshan, "indicator", "本区GDP", "GDP")
    with db.read() as conn:
        text = mappings_csv(list_code_mappings(conn, nanshan, "NANSHAN"))
    assert text.splitlines()[0] == "kind,local_code,standard_code,standard_name,updated_by,updated_at"
    assert _import(db, acting(db, "admin"), text.encode(), "nanshan.csv", org="FUTIAN")["added"] == 3
    strip = [row[:3] for row in _listed(db, nanshan)]
    assert [row[:3] for row in _listed(db, acting(db, "admin"), "FUTIAN")] == strip


# Local codes as they are stored: NFKC, without outer spaces, anything else allowed (commas, quotes, 中文).
_LOCAL = (
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40
    )
    .map(lambda text: unicodedata.normalize("NFKC", text).strip())
    .filter(bool)
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["region", "indicator"]), _LOCAL), unique=True, max_size=6))
def test_what_is_exported_reads_back_unchanged(db: Database, pairs: list[tuple[str, str]]) -> None:
    mappings = [
        CodeMapping(kind, local, "440305" if kind == "region" else "GDP", "", "x", dt.datetime(2024, 1, 1))
        for kind, local in pairs
    ]
    with db.read() as conn:
        entries, problems = read_mapping_rows(conn, mappings_csv(mappings).encode(), "m.csv", ReadLimits())
    assert problems == []
    assert entries == [Entry(item.kind, item.local_code, item.standard_code) for item in mappings]


# --- the effect on uploads --------------------------------------------------------------------------------


def test_local_names_map_only_once_the_mappings_are_set(db: Database, system: Actor) -> None:
    nanshan = acting(db, "nanshan_submitter")
    local_indicator = "地区,本区生产总值口径\nNS01,8500\n".encode()
    local_region = "地区,地区生产总值\n南山片区,8600\n".encode()

    def upload(body: bytes, name: str) -> tuple[SubmissionStatus, list[str], int]:
        with db.write() as conn:
            result = submit_upload(conn, nanshan, body, name, org_code="NANSHAN", period="2023")
        return (
            result.submission.status,
            [line.message.render() for line in result.lines],
            result.submission.id,
        )

    status, lines, _id = upload(local_indicator, "a.csv")
    assert status is SubmissionStatus.AUDIT_FAILED
    assert any("('本区生产总值口径') holds numbers but names no indicator" in line for line in lines)
    status, lines, _id = upload(local_region, "b.csv")
    assert status is SubmissionStatus.AUDIT_FAILED
    assert "No region is named '南山片区'" in lines

    _set(db, nanshan, "indicator", "本区生产总值口径", "GDP")
    _set(db, nanshan, "region", "NS01", "440305")
    _set(db, nanshan, "region", "南山片区", "440305")

    status, lines, first = upload(local_indicator, "a.csv")
    assert (status, lines) == (SubmissionStatus.UNDER_REVIEW, [])
    with db.read() as conn:
        staged = conn.execute(
            select(indicators.c.code, submission_values.c.region_code, submission_values.c.value)
            .join(indicators, indicators.c.id == submission_values.c.indicator_id)
            .where(submission_values.c.submission_id == first)
        ).all()
    assert [tuple(row) for row in staged] == [("GDP", "440305", 8500.0)]
    status, lines, second = upload(local_region, "b.csv")
    assert (status, lines) == (SubmissionStatus.UNDER_REVIEW, [])
    with db.write() as conn:
        approve(conn, system, second)
    with db.read() as conn:
        page = query_facts(
            conn, system, SeriesQuery(indicators=["GDP"], regions=["440305"], start="2023", end="2023")
        )
    assert [item.value for item in page.items if item.computed is None] == [8600.0]
