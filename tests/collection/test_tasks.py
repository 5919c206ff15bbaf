"""Collection tasks: periods that open themselves, the board and its rates, reminders, templates."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from citybase.accounts.actor import Actor
from citybase.collection.intake import submit_upload
from citybase.collection.model import SubmissionStatus
from citybase.collection.notifications import list_notifications, mark_read, unread_count
from citybase.collection.tasks import (
    create_task,
    open_due_periods,
    remind_deadlines,
    task_board,
    task_periods_of,
)
from citybase.collection.templating import task_template
from citybase.collection.workflow import approve
from citybase.errors import AlreadyExists, InvalidInput, PermissionDenied
from citybase.storage import Database
from tests.factories import acting


def _task(db: Database, actor: Actor, **options: object) -> None:
    values: dict[str, object] = {
        "code": "GDP_Q",
        "name": "季度地区生产总值",
        "indicator_codes": ["GDP", "VA_TERTIARY"],
        "org_codes": ["NANSHAN", "FUTIAN"],
        "first_period": "2024Q1",
        "reviewer_org": "STATS",
        "recurrence": "quarter",
        "deadline": dt.date(2024, 4, 15),
        **options,
    }
    with db.write() as conn:
        create_task(conn, actor, **values)  # type: ignore[arg-type]


def test_board_rates_and_states(db: Database) -> None:
    stats = acting(db, "stats_reviewer")
    _task(db, stats)
    with db.read() as conn:
        board = task_board(conn, stats, "GDP_Q", today=dt.date(2024, 4, 20))
    assert [line.state for line in board.lines] == ["not_started", "not_started"]
    assert all(line.overdue for line in board.lines)
    assert board.completion_rate == 0.0
    nanshan = acting(db, "nanshan_submitter")
    with db.write() as conn:
        result = submit_upload(
            conn,
            nanshan,
            "地区,GDP,VA_TERTIARY\n南山区,2000,1300\n".encode(),
            "q1.csv",
            org_code="NANSHAN",
            task="GDP_Q",
        )
    assert result.submission.status is SubmissionStatus.UNDER_REVIEW
    assert result.submission.task_code == "GDP_Q"
    with db.write() as conn:
        approve(conn, stats, result.submission.id)
        board = task_board(conn, stats, "GDP_Q", today=dt.date(2024, 4, 20))
    states = {line.org_code: line.state for line in board.lines}
    assert states == {"FUTIAN": "not_started", "NANSHAN": "approved"}
    assert board.completion_rate == 0.5
    # Submitted today (after the 2024 deadline), so not on time.
    assert board.timeliness_rate == 0.0


def test_recurring_task_opens_periods_and_notifies(db: Database) -> None:
    stats = acting(db, "stats_reviewer")
    _task(db, stats)
    futian = acting(db, "futian_submitter")
    with db.write() as conn:
        opened = open_due_periods(conn, stats, dt.date(2024, 10, 2))
        assert opened == [("GDP_Q", "2024Q2"), ("GDP_Q", "2024Q3")]
        assert open_due_periods(conn, stats, dt.date(2024, 10, 2)) == []  # once only
        periods = [item.period for item in task_periods_of(conn, acting_task(conn))]
    assert periods == ["2024Q3", "2024Q2", "2024Q1"]
    with db.read() as conn:
        texts = [item.text.render() for item in list_notifications(conn, futian)]
        opened_for = sorted(
            text.split(" is open for ")[1].split(";")[0]
            for text in texts
            if text.startswith("Task 季度地区生产总值 is open")
        )
        assert opened_for == ["2024Q1", "2024Q2", "2024Q3"]
        unread = unread_count(conn, futian)
        assert unread >= 3
    with db.write() as conn:
        assert mark_read(conn, futian) == unread
        assert unread_count(conn, futian) == 0


def acting_task(conn: object) -> object:
    from citybase.collection.tasks import find_task

    return find_task(conn, "GDP_Q")  # type: ignore[arg-type]


def test_deadline_reminder_goes_to_those_who_have_not_reported_once(db: Database) -> None:
    stats = acting(db, "stats_reviewer")
    _task(db, stats, recurrence=None)
    with db.write() as conn:
        assert remind_deadlines(conn, stats, dt.date(2024, 4, 13)) == 2
        assert remind_deadlines(conn, stats, dt.date(2024, 4, 14)) == 0


def test_task_refusals(db: Database) -> None:
    stats = acting(db, "stats_reviewer")
    _task(db, stats)
    with pytest.raises(AlreadyExists):
        _task(db, stats)
    with pytest.raises(InvalidInput, match="Unknown indicator"):
        _task(db, stats, code="X1", indicator_codes=["NOPE"])
    with pytest.raises(PermissionDenied):
        _task(db, acting(db, "nanshan_submitter"), code="X2")
    with db.write() as conn, pytest.raises(InvalidInput, match="not asked"):
        submit_upload(
            conn,
            acting(db, "luohu_submitter"),
            b"region,GDP\n440303,1\n",
            "x.csv",
            org_code="LUOHU",
            task="GDP_Q",
        )


def test_template_has_the_org_rows_and_reads_back_as_a_submission(db: Database) -> None:
    stats = acting(db, "stats_reviewer")
    _task(db, stats, region_scope="both")
    nanshan = acting(db, "nanshan_submitter")
    with db.read() as conn:
        content = task_template(conn, nanshan, "GDP_Q", "NANSHAN", None)
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    codes = [sheet.cell(row=row, column=1).value for row in range(5, sheet.max_row + 1)]
    assert codes[0] == "440305"
    assert len(codes) > 1
    sheet.cell(row=5, column=3).value = 1800.5
    sheet.cell(row=5, column=4).value = 1200
    filled = io.BytesIO()
    book.save(filled)
    with db.write() as conn:
        result = submit_upload(conn, nanshan, filled.getvalue(), "GDP_Q-NANSHAN.xlsx", org_code="NANSHAN")
    assert result.submission.status is SubmissionStatus.UNDER_REVIEW, [
        line.message.render() for line in result.lines
    ]
    assert result.submission.task_code == "GDP_Q"
    assert result.submission.value_count == 2


def test_two_level_review(db: Database) -> None:
    stats = acting(db, "stats_reviewer")
    _task(db, stats, two_level=True)
    nanshan = acting(db, "nanshan_submitter")
    with db.write() as conn:
        result = submit_upload(
            conn, nanshan, b"region,GDP\n440305,1900\n", "t.csv", org_code="NANSHAN", task="GDP_Q"
        )
    with db.write() as conn, pytest.raises(PermissionDenied):
        approve(conn, stats, result.submission.id)  # the district decides first
    with db.write() as conn:
        first = approve(conn, acting(db, "nanshan_reviewer"), result.submission.id)
    assert first.status is SubmissionStatus.DISTRICT_APPROVED
    with db.write() as conn:
        second = approve(conn, stats, result.submission.id)
    assert second.status is SubmissionStatus.APPROVED
