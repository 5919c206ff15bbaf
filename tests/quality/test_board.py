"""The data-quality board on a hand-made history (tests/quality/history.py): exact counts and rates, what a
department, a district and the reviewing bureau each see, refusals, and filters that are refused."""

from __future__ import annotations

import datetime as dt

import pytest

from citybase.accounts.actor import Actor
from citybase.errors import InvalidInput, NotFound, PermissionDenied
from citybase.quality import SECTIONS, QualityBoard, quality_board, section_columns
from citybase.storage import Database
from tests.factories import acting
from tests.quality.history import RETURN_COMMENT, TASK, TODAY, History, at, build_history

RANGE = {"start": "2030-01", "end": "2030-03", "today": TODAY}


@pytest.fixture
def history(db: Database, system: Actor) -> History:
    return build_history(db, system)


def board_for(db: Database, actor: Actor, **filters: object) -> QualityBoard:
    with db.read() as conn:
        return quality_board(conn, actor, **{**RANGE, **filters})  # type: ignore[arg-type]


def test_the_whole_city(db: Database, system: Actor, history: History) -> None:
    board = board_for(db, system)
    summary = board.summary
    assert (summary.submissions, summary.error_findings, summary.warning_findings) == (4, 2, 1)
    assert (summary.asked, summary.submitted, summary.on_time, summary.overdue) == (3, 2, 2, 1)
    assert summary.completion_rate == pytest.approx(2 / 3)
    assert summary.timeliness_rate == pytest.approx(2 / 3)
    assert (summary.open_conflicts, summary.resolved_conflicts) == (2, 1)
    assert (summary.approved, summary.returned, summary.audit_failed, summary.pending) == (1, 1, 1, 1)
    assert board.every_org
    assert (board.start, board.end) == ("2030-01", "2030-03")


def test_rule_violations(db: Database, system: Actor, history: History) -> None:
    board = board_for(db, system)
    assert [(r.rule, r.severity, r.versions, r.findings, r.submissions) for r in board.findings_by_rule] == [
        ("GDP_BALANCE", "error", "v1", 1, 1),
        ("TERTIARY_WITHIN_GDP", "error", "v1", 1, 1),
        ("GDP_PAIR", "warning", "v1", 1, 1),
    ]
    assert board.findings_by_rule[0].name == "地区生产总值等于三次产业增加值之和"
    assert [(s.severity, s.findings, s.submissions) for s in board.findings_by_severity] == [
        ("error", 2, 1),
        ("warning", 1, 1),
    ]
    assert [(o.org, o.errors, o.warnings, o.submissions) for o in board.findings_by_org] == [
        ("FUTIAN", 2, 0, 1),
        ("LUOHU", 0, 1, 1),
    ]
    # January: NANSHAN, FUTIAN's failed upload and LUOHU; February: FUTIAN's correction; March: nothing.
    assert [(m.month, m.submissions, m.errors, m.warnings) for m in board.findings_by_month] == [
        ("2030-01", 3, 2, 1),
        ("2030-02", 1, 0, 0),
        ("2030-03", 0, 0, 0),
    ]


def test_timeliness_comes_from_the_task_board(db: Database, system: Actor, history: History) -> None:
    board = board_for(db, system)
    [task] = board.timeliness_by_task
    assert (task.task, task.period, task.deadline) == (TASK, "2029Q4", dt.date(2030, 1, 15))
    assert (task.asked, task.submitted, task.on_time, task.overdue) == (3, 2, 2, 1)
    # FUTIAN submitted late (its first accepted upload came on 3 February); LUOHU was on time but returned.
    assert [(line.org, line.state, line.on_time, line.overdue) for line in board.timeliness_lines] == [
        ("FUTIAN", "submitted", False, False),
        ("LUOHU", "returned", True, True),
        ("NANSHAN", "approved", True, False),
    ]
    assert [(o.org, o.completion_rate, o.timeliness_rate) for o in board.timeliness_by_org] == [
        ("FUTIAN", 1.0, 0.0),
        ("LUOHU", 0.0, 1.0),
        ("NANSHAN", 1.0, 1.0),
    ]


def test_a_deadline_outside_the_months_leaves_timeliness_out(
    db: Database, system: Actor, history: History
) -> None:
    board = board_for(db, system, start="2030-02", end="2030-03")
    assert board.timeliness_by_task == []
    assert board.summary.asked == 0
    assert board.summary.completion_rate == 0.0
    assert [(m.month, m.submissions) for m in board.findings_by_month] == [("2030-02", 1), ("2030-03", 0)]


def test_conflicts(db: Database, system: Actor, history: History) -> None:
    board = board_for(db, system)
    assert [(c.key, c.open, c.resolved) for c in board.conflicts_by_indicator] == [
        ("GDP", 1, 1),
        ("VA_TERTIARY", 1, 0),
    ]
    assert [(c.key, c.open, c.resolved) for c in board.conflicts_by_org] == [
        ("FUTIAN", 1, 1),
        ("NANSHAN", 1, 0),
    ]
    assert [c.id for c in board.oldest_conflicts] == [history.conflict_b, history.conflict_a]
    assert board.oldest_conflicts[0].competing_value == 70.0
    # Resolved before the months: no longer counted; open conflicts count whenever they were raised.
    later = board_for(db, system, start="2030-03", end="2030-03")
    assert (later.summary.open_conflicts, later.summary.resolved_conflicts) == (2, 0)


def test_review_outcomes_and_returns(db: Database, system: Actor, history: History) -> None:
    board = board_for(db, system)
    assert [
        (r.org, r.submissions, r.approved, r.returned, r.audit_failed, r.pending)
        for r in board.reviews_by_org
    ] == [
        ("FUTIAN", 2, 0, 0, 1, 1),
        ("LUOHU", 1, 0, 1, 0, 0),
        ("NANSHAN", 1, 1, 0, 0, 0),
    ]
    [returned] = board.returns
    assert (returned.submission, returned.org, returned.task, returned.period) == (
        history.luohu_returned,
        "LUOHU",
        TASK,
        "2029Q4",
    )
    assert (returned.comment, returned.returned_by, returned.returned_at) == (
        RETURN_COMMENT,
        "stats_reviewer",
        at("2030-01-16"),
    )


def test_a_district_sees_only_its_own_figures(db: Database, history: History) -> None:
    board = board_for(db, acting(db, "nanshan_submitter"))
    assert not board.every_org
    assert board.findings_by_rule == []
    assert board.returns == []
    assert [(r.org, r.submissions, r.approved) for r in board.reviews_by_org] == [("NANSHAN", 1, 1)]
    assert [(line.org, line.state) for line in board.timeliness_lines] == [("NANSHAN", "approved")]
    assert (board.summary.completion_rate, board.summary.timeliness_rate) == (1.0, 1.0)
    # Only the conflict its own value raised.
    assert [c.id for c in board.oldest_conflicts] == [history.conflict_a]
    assert (board.summary.open_conflicts, board.summary.resolved_conflicts) == (1, 0)


def test_a_department_outside_the_task_sees_nothing(db: Database, history: History) -> None:
    board = board_for(db, acting(db, "finance_viewer"))
    assert board.summary.submissions == board.summary.asked == board.summary.open_conflicts == 0
    assert board.findings_by_org == board.timeliness_lines == board.reviews_by_org == []


def test_the_reviewing_bureau_sees_what_it_reviews(db: Database, system: Actor, history: History) -> None:
    stats = acting(db, "stats_reviewer")
    board = board_for(db, stats)
    assert board.summary == board_for(db, system).summary
    futian = board_for(db, stats, org="futian")
    assert futian.org == "FUTIAN"
    assert [(o.org, o.errors) for o in futian.findings_by_org] == [("FUTIAN", 2)]
    assert [line.org for line in futian.timeliness_lines] == ["FUTIAN"]
    assert (futian.summary.open_conflicts, futian.summary.resolved_conflicts) == (1, 1)


def test_narrowed_to_a_task(db: Database, system: Actor, history: History) -> None:
    board = board_for(db, system, task=TASK.lower())
    assert board.task == TASK
    assert board.summary.submissions == 4
    demo = board_for(db, system, task="GDP_QUARTERLY")
    assert demo.summary.submissions == 0
    assert demo.summary.open_conflicts == 2


def test_refusals(db: Database, history: History) -> None:
    nanshan = acting(db, "nanshan_submitter")
    with pytest.raises(
        PermissionDenied,
        match=r"nanshan_submitter \(NANSHAN\) may not view submissions of another organisation \(FUTIAN\)",
    ):
        board_for(db, nanshan, org="FUTIAN")
    with pytest.raises(
        PermissionDenied, match=f"finance_viewer \\(FINANCE\\) may not view the board of task {TASK}"
    ):
        board_for(db, acting(db, "finance_viewer"), task=TASK)
    assert board_for(db, nanshan, org="NANSHAN").summary.submissions == 1


@pytest.mark.parametrize(
    ("filters", "error", "text"),
    [
        ({"start": "2030-13"}, InvalidInput, "The start month '2030-13' must be written YYYY-MM"),
        ({"end": "March"}, InvalidInput, "The end month 'March' must be written YYYY-MM"),
        (
            {"start": "2030-04", "end": "2030-03"},
            InvalidInput,
            "The start month 2030-04 is after the end month 2030-03",
        ),
        ({"start": "2020-01", "end": "2030-03"}, InvalidInput, "A quality board covers at most 120 months"),
        ({"org": "NOWHERE"}, NotFound, "Unknown organisation NOWHERE"),
        ({"task": "NO_TASK"}, NotFound, "No collection task has the code NO_TASK"),
    ],
)
def test_bad_filters_are_refused(
    db: Database, system: Actor, filters: dict[str, str], error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text.replace("(", r"\(")):
        board_for(db, system, **filters)


def test_the_default_months_are_the_twelve_up_to_today(db: Database, system: Actor, history: History) -> None:
    with db.read() as conn:
        board = quality_board(conn, system, today=TODAY)
    assert (board.start, board.end, len(board.findings_by_month)) == ("2029-04", "2030-03", 12)
    assert board.summary.submissions == 4


def test_every_section_has_rows_with_its_columns(db: Database, system: Actor, history: History) -> None:
    board = board_for(db, system)
    for section in SECTIONS:
        rows = board.rows(section)
        assert rows, section
        assert list(rows[0]) == section_columns(section), section
    assert board.rows("summary")[0]["completion_rate"] == 0.6667
    with pytest.raises(InvalidInput, match="Unknown section 'nope'"):
        board.rows("nope")
