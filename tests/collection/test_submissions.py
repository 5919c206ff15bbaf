"""From a department's file to published numbers: mapping, checking, audit, review, publication, and the
refusals that publish nothing."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from sqlalchemy import func, select

from citybase.accounts.actor import Actor
from citybase.audit.model import RuleSpec, Severity
from citybase.audit.rules import save_rule
from citybase.collection.intake import IntakeResult, submit_items, submit_upload
from citybase.collection.model import SubmissionStatus
from citybase.collection.store import load_lines
from citybase.collection.tables import submission_values
from citybase.collection.workflow import approve, explain, return_submission
from citybase.errors import InvalidInput, PermissionDenied
from citybase.facts.query import SeriesQuery, query_facts
from citybase.facts.tables import facts
from citybase.ledger import verify_chain
from citybase.storage import Database
from tests.factories import acting, row_count

DISTRICT_SHEET = (
    "2023年深圳市各区主要经济指标\n"
    "单位：万元\n"
    "地区,地区生产总值,第三产业增加值\n"
    '福田区,"54,000,000","51,000,000"\n'
    "南山,８５００００００,—\n"
    "注：数据为初步核算数\n"
)


def _upload(
    db: Database, actor: Actor, body: bytes, name: str = "districts.csv", **options: object
) -> IntakeResult:
    with db.write() as conn:
        return submit_upload(conn, actor, body, name, **options)  # type: ignore[arg-type]


def _gdp(db: Database, actor: Actor, region: str, period: str) -> float | None:
    with db.read() as conn:
        page = query_facts(
            conn, actor, SeriesQuery(indicators=["GDP"], regions=[region], start=period, end=period)
        )
    values = [item.value for item in page.items if item.computed is None]
    return values[0] if values else None


def test_messy_csv_is_mapped_converted_and_waits_for_review(db: Database, system: Actor) -> None:
    before = row_count(db, facts)
    result = _upload(db, system, DISTRICT_SHEET.encode("gb18030"), org_code="STATS")
    submission = result.submission
    assert submission.status is SubmissionStatus.UNDER_REVIEW, [
        line.message.render() for line in result.lines
    ]
    assert submission.value_count == 3  # the "—" cell is missing, not zero
    assert submission.mapping["地区生产总值"] == "GDP"
    assert row_count(db, facts) == before  # nothing is published before approval
    with db.write() as conn:
        staged = conn.execute(
            select(submission_values.c.region_code, submission_values.c.value, submission_values.c.location)
            .where(submission_values.c.submission_id == submission.id)
            .order_by(submission_values.c.id)
        ).all()
    assert ("440304", 5400.0, "districts!B4") in [tuple(row) for row in staged]  # 万元 → 亿元
    assert ("440305", 8500.0, "districts!B5") in [tuple(row) for row in staged]


def test_approval_publishes_everything_with_provenance(db: Database, system: Actor) -> None:
    result = _upload(db, system, DISTRICT_SHEET.encode("utf-8-sig"), org_code="STATS")
    reviewer = acting(db, "stats_reviewer")
    with db.write() as conn:
        approved = approve(conn, reviewer, result.submission.id, "核对无误")
    assert approved.status is SubmissionStatus.APPROVED
    assert _gdp(db, system, "440304", "2023") == 5400.0
    with db.read() as conn:
        origins = set(
            conn.execute(select(facts.c.origin).where(facts.c.origin.like("submission:%"))).scalars()
        )
        assert origins == {f"submission:{result.submission.id}"}
        assert verify_chain(conn, system).ok
    with db.write() as conn, pytest.raises(InvalidInput, match="only a submission under review"):
        approve(conn, reviewer, result.submission.id)


def test_bad_cells_fail_the_audit_with_their_places_and_publish_nothing(db: Database, system: Actor) -> None:
    body = "地区,地区生产总值\n福田区,100\n罗湖区,abc\n火星区,12\n南山区,-5\n".encode()
    before, staged = row_count(db, facts), row_count(db, submission_values)
    result = _upload(db, system, body, "bad.csv", org_code="STATS", period="2023")
    assert result.submission.status is SubmissionStatus.AUDIT_FAILED
    places = {line.location: line.message.render() for line in result.lines}
    assert "not a number" in places["bad!B3"]
    assert "火星区" in places["bad!A4"]
    assert "valid range" in places["bad!B5"]
    assert row_count(db, facts) == before
    assert row_count(db, submission_values) == staged
    with db.write() as conn, pytest.raises(InvalidInput):
        approve(conn, system, result.submission.id)


def test_unreadable_files_are_refused_and_nothing_is_kept(db: Database, system: Actor) -> None:
    from citybase.collection.tables import submissions

    before = row_count(db, submissions)
    for body, name in (
        (b"PK\x03\x04 broken", "x.xlsx"),
        (b"", "empty.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "locked.xlsx"),
    ):
        with pytest.raises(InvalidInput):
            _upload(db, system, body, name, org_code="STATS", period="2023")
    assert row_count(db, submissions) == before


def test_district_may_not_submit_for_another_district(db: Database) -> None:
    nanshan = acting(db, "nanshan_submitter")
    body = "地区,地区生产总值\n福田区,100\n南山区,200\n".encode()
    result = _upload(db, nanshan, body, "mine.csv", org_code="NANSHAN", period="2023")
    assert result.submission.status is SubmissionStatus.AUDIT_FAILED
    assert any("outside the area" in line.message.render() for line in result.lines)
    with pytest.raises(PermissionDenied):
        _upload(db, nanshan, body, "theirs.csv", org_code="FUTIAN", period="2023")


def test_balance_rule_blocks_and_points_at_every_cell(db: Database, system: Actor) -> None:
    with db.write() as conn:
        save_rule(
            conn,
            system,
            RuleSpec(
                "TEST_BALANCE",
                "三次产业之和",
                "GDP = VA_PRIMARY + VA_SECONDARY + VA_TERTIARY ± 0.5%",
                Severity.ERROR,
            ),
            active=True,
        )
    body = (
        "地区代码,GDP,VA_PRIMARY,VA_SECONDARY,VA_TERTIARY\n440305,100,1,30,60\n440304,100,1,30,69\n".encode()
    )
    result = _upload(db, system, body, "balance.csv", org_code="STATS", period="2024Q1")
    assert result.submission.status is SubmissionStatus.AUDIT_FAILED
    [line] = [line for line in result.lines if line.rule.startswith("TEST_BALANCE")]
    assert line.location == "balance!B2"
    assert line.rule == "TEST_BALANCE@v1"
    assert {"balance!C2", "balance!D2", "balance!E2"} <= set(line.involved)


def test_warning_needs_an_explanation_before_a_reviewer_approves(db: Database, system: Actor) -> None:
    with db.write() as conn:
        save_rule(conn, system, RuleSpec("GDP_CAP", "偏大", "GDP <= 1000", Severity.WARNING), active=True)
    result = _upload(db, system, b"region,GDP\n440305,2000\n", "w.csv", org_code="STATS", period="2024Q1")
    assert result.submission.status is SubmissionStatus.UNDER_REVIEW
    assert result.submission.warning_count == 1
    reviewer = acting(db, "stats_reviewer")
    with db.write() as conn, pytest.raises(InvalidInput, match="without an explanation"):
        approve(conn, reviewer, result.submission.id)
    with db.write() as conn:
        explain(conn, acting(db, "stats_submitter"), result.submission.id, "新增重大项目投产")
        assert approve(conn, reviewer, result.submission.id).status is SubmissionStatus.APPROVED


def test_return_needs_a_comment_and_notifies(db: Database, system: Actor) -> None:
    from citybase.collection.notifications import list_notifications

    submitter = acting(db, "stats_submitter")
    result = _upload(db, submitter, b"region,GDP\n440305,20\n", "r.csv", org_code="STATS", period="2024Q1")
    reviewer = acting(db, "stats_reviewer")
    with db.write() as conn, pytest.raises(InvalidInput):
        return_submission(conn, reviewer, result.submission.id, " ")
    with db.write() as conn:
        returned = return_submission(conn, reviewer, result.submission.id, "请核对南山数据")
    assert returned.status is SubmissionStatus.RETURNED
    with db.read() as conn:
        texts = [item.text.render() for item in list_notifications(conn, submitter)]
    assert any("请核对南山数据" in text for text in texts)


def test_submitter_cannot_approve(db: Database, system: Actor) -> None:
    submitter = acting(db, "stats_submitter")
    result = _upload(db, submitter, b"region,GDP\n440305,20\n", "s.csv", org_code="STATS", period="2024Q1")
    with db.write() as conn, pytest.raises(PermissionDenied):
        approve(conn, submitter, result.submission.id)


def test_json_items_are_idempotent_by_client_key(db: Database, system: Actor) -> None:
    items = [{"indicator": "GDP", "region": "南山区", "period": "2024Q2", "value": "1,234.5", "unit": "亿元"}]
    with db.write() as conn:
        first = submit_items(conn, system, items, org_code="STATS", client_key="batch-1")
    with db.write() as conn:
        again = submit_items(conn, system, items, org_code="STATS", client_key="batch-1")
    assert first.submission.id == again.submission.id
    assert first.submission.value_count == 1
    with db.write() as conn:
        bad = submit_items(
            conn, system, [{"indicator": "GDP", "region": "440305", "value": 1}], org_code="STATS"
        )
    assert bad.submission.status is SubmissionStatus.AUDIT_FAILED
    assert bad.lines[0].location == "$.items[0].period"


def test_column_mapping_given_once_is_remembered_for_the_layout(db: Database, system: Actor) -> None:
    body = "区域代码,本地GDP口径\n440305,10\n".encode()
    refused = _upload(db, system, body, "local.csv", org_code="STATS", period="2024Q1")
    assert refused.submission.status is SubmissionStatus.AUDIT_FAILED
    assert any("holds numbers" in line.message.render() for line in refused.lines)
    given = _upload(
        db, system, body, "local.csv", org_code="STATS", period="2024Q1", given={"本地GDP口径": "GDP"}
    )
    assert given.submission.status is SubmissionStatus.UNDER_REVIEW
    remembered = _upload(db, system, body, "local.csv", org_code="STATS", period="2024Q1")
    assert remembered.submission.status is SubmissionStatus.UNDER_REVIEW
    assert remembered.submission.mapping["本地GDP口径"] == "GDP"


def test_excel_with_title_merged_header_and_note(db: Database, system: Actor) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("表1")
    sheet.merge_range(0, 0, 0, 2, "2022年各区地区生产总值")
    sheet.write_row(1, 0, ["单位：亿元"])
    sheet.merge_range(2, 0, 3, 0, "地区")
    sheet.merge_range(2, 1, 2, 2, "地区生产总值")
    sheet.write_row(3, 1, ["GDP", "第三产业增加值"])
    sheet.write_row(4, 0, ["南山区", 7900.1, "5,000"])
    sheet.write_row(5, 0, ["注：按现价计算"])
    book.close()
    result = _upload(db, system, buffer.getvalue(), "table1.xlsx", org_code="STATS")
    assert result.submission.status is SubmissionStatus.UNDER_REVIEW, [
        line.message.render() for line in result.lines
    ]
    assert result.submission.value_count == 2
    with db.read() as conn:
        lines = load_lines(conn, result.submission.id)
    assert lines == []


def test_correction_of_approved_data_needs_a_reason_and_becomes_a_revision(
    db: Database, system: Actor
) -> None:
    first = _upload(db, system, b"region,GDP\n440305,20\n", "c1.csv", org_code="STATS", period="2024Q3")
    with db.write() as conn:
        approve(conn, system, first.submission.id)
    with pytest.raises(InvalidInput, match="reason"):
        _upload(
            db,
            system,
            b"region,GDP\n440305,21\n",
            "c2.csv",
            org_code="STATS",
            period="2024Q3",
            corrects=first.submission.id,
        )
    second = _upload(
        db, system, b"region,GDP\n440305,21\n", "c2.csv", org_code="STATS", period="2024Q3",
        corrects=first.submission.id, reason="统计执法检查后更正",
    )  # fmt: skip
    with db.write() as conn:
        approve(conn, system, second.submission.id)
    assert _gdp(db, system, "440305", "2024Q3") == 21.0
    with db.read() as conn:
        revisions = conn.execute(
            select(func.count())
            .select_from(facts)
            .where(facts.c.region_code == "440305", facts.c.period == "2024Q3")
        ).scalar_one()
    assert revisions == 2
