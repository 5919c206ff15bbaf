"""Drafts (草稿): kept without review, counted on the board, submitted under the same number (audited then),
or discarded by their own organisation; nothing submitted can be discarded."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from citybase.accounts.actor import Actor
from citybase.collection.drafts import discard_draft, grid_draft, submit_draft
from citybase.collection.intake import submit_items, submit_upload
from citybase.collection.model import Channel, SubmissionStatus
from citybase.collection.store import get_submission, list_submissions, submission_events_of
from citybase.collection.tables import submission_files, submission_values, submissions
from citybase.collection.tasks import task_board
from citybase.collection.workflow import approve
from citybase.errors import InvalidInput, InvalidState, PermissionDenied
from citybase.facts.tables import facts
from citybase.ledger import verify_chain
from citybase.ledger.tables import ledger_entries
from citybase.storage import Database
from tests.factories import acting, row_count

TASK = "GDP_QUARTERLY"  # the demo's quarterly task; its first period is 2026Q3
FUTIAN = "440304"


def _items(**values: str) -> list[dict[str, object]]:
    return [
        {"indicator": code, "region": FUTIAN, "period": "2026Q3", "value": text, "unit": "亿元"}
        for code, text in values.items()
    ]


def _ledger(db: Database, submission_id: int) -> list[tuple[str, dict[str, object]]]:
    with db.read() as conn:
        rows = conn.execute(
            select(ledger_entries.c.action, ledger_entries.c.detail)
            .where(ledger_entries.c.object_type == "submission")
            .where(ledger_entries.c.object_key == str(submission_id))
            .order_by(ledger_entries.c.seq)
        ).all()
    return [(row.action, json.loads(row.detail)) for row in rows]


def _values(db: Database, submission_id: int) -> list[tuple[str, float, str]]:
    with db.read() as conn:
        rows = conn.execute(
            select(submission_values.c.region_code, submission_values.c.value, submission_values.c.location)
            .where(submission_values.c.submission_id == submission_id)
            .order_by(submission_values.c.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _save(db: Database, actor: Actor, items: list[dict[str, object]], **options: object) -> int:
    with db.write() as conn:
        result = submit_items(
            conn,
            actor,
            items,
            org_code="FUTIAN",
            channel=Channel.GRID,
            task=TASK,
            period="2026Q3",
            draft=True,
            **options,  # type: ignore[arg-type]
        )
    return result.submission.id


def test_a_draft_keeps_values_unreviewed_and_is_submitted_under_its_number(
    db: Database, system: Actor
) -> None:
    futian = acting(db, "futian_submitter")
    reviewer = acting(db, "stats_reviewer")
    published = row_count(db, facts)
    draft_id = _save(db, futian, _items(GDP="1,000", VA_TERTIARY="abc"))
    with db.read() as conn:
        draft = get_submission(conn, futian, draft_id)
        board = task_board(conn, futian, TASK)
        waiting = list_submissions(conn, reviewer, to_review=True)
        events = submission_events_of(conn, futian, draft_id)
        kept = grid_draft(conn, futian, draft_org(conn), TASK, "2026Q3")
    assert (draft.status, draft.value_count, draft.error_count) == (SubmissionStatus.DRAFT, 1, 1)
    assert draft.submitted_at is None
    assert _values(db, draft_id) == [(FUTIAN, 1000.0, "$.items[0]")]
    assert {line.org_code: line.state for line in board.lines}["FUTIAN"] == "draft"
    assert draft_id not in [item.id for item in waiting]
    assert [(event["from"], event["to"]) for event in events] == [(None, "draft")]
    assert row_count(db, facts) == published
    # The grid gets back what was typed, the cell that is not a number too, with its finding.
    assert kept is not None
    assert kept.submission.id == draft_id
    assert [item["value"] for item in kept.items] == ["1,000", "abc"]
    assert [line.message.render() for line in kept.findings[1]] == ["'abc' is not a number"]
    assert _ledger(db, draft_id)[0][0] == "submission.draft_saved"

    # Saved again with the cell corrected: the same number, the values replaced.
    again = _save(db, futian, _items(GDP="1000", VA_PRIMARY="1", VA_SECONDARY="399", VA_TERTIARY="600"),
                  draft_id=draft_id)  # fmt: skip
    assert again == draft_id
    assert [value for _region, value, _place in _values(db, draft_id)] == [1000.0, 1.0, 399.0, 600.0]

    with db.write() as conn:
        result = submit_draft(conn, futian, draft_id)
    assert result.submission.id == draft_id
    assert result.submission.status is SubmissionStatus.UNDER_REVIEW, [
        line.message.render() for line in result.lines
    ]
    assert result.submission.submitted_at is not None
    with db.read() as conn:
        events = submission_events_of(conn, futian, draft_id)
        assert {line.org_code: line.state for line in task_board(conn, futian, TASK).lines}[
            "FUTIAN"
        ] == "submitted"
        assert draft_id in [item.id for item in list_submissions(conn, reviewer, to_review=True)]
        assert grid_draft(conn, futian, draft_org(conn), TASK, "2026Q3") is None
        assert verify_chain(conn, system).ok
    assert [(event["from"], event["to"]) for event in events] == [(None, "draft"), ("draft", "under_review")]
    actions = [action for action, _detail in _ledger(db, draft_id)]
    assert actions == ["submission.draft_saved", "submission.draft_saved", "submission.audited"]
    assert _ledger(db, draft_id)[-1][1]["from_draft"] is True
    with db.write() as conn:
        approve(conn, reviewer, draft_id)
    assert row_count(db, facts) == published + 4


def draft_org(conn: object) -> object:
    from citybase.accounts.organisations import find_organisation

    return find_organisation(conn, "FUTIAN")  # type: ignore[arg-type]


def test_a_draft_with_a_bad_cell_fails_the_audit_when_submitted(db: Database) -> None:
    futian = acting(db, "futian_submitter")
    draft_id = _save(db, futian, _items(GDP="1000", VA_TERTIARY="abc"))
    with db.write() as conn:
        result = submit_draft(conn, futian, draft_id)
    assert (result.submission.id, result.submission.status) == (draft_id, SubmissionStatus.AUDIT_FAILED)
    assert [(line.location, line.message.render()) for line in result.lines if line.rule == "CHECK"] == [
        ("$.items[1].value", "'abc' is not a number")
    ]
    assert _values(db, draft_id) == []  # as for any submission that failed its audit
    with db.write() as conn, pytest.raises(InvalidState, match=f"Submission {draft_id} is audit_failed"):
        submit_draft(conn, futian, draft_id)


def test_a_draft_is_discarded_with_its_values_and_ledgered(db: Database, system: Actor) -> None:
    futian = acting(db, "futian_submitter")
    draft_id = _save(db, futian, _items(GDP="1000"))
    before = row_count(db, submissions)
    with db.write() as conn:
        discarded = discard_draft(conn, futian, draft_id)
    assert discarded.id == draft_id
    # The row stays as a tombstone, so the number is never given to another submission.
    assert row_count(db, submissions) == before
    assert _values(db, draft_id) == []
    with db.read() as conn:
        assert (
            conn.execute(select(submission_files).where(submission_files.c.submission_id == draft_id)).first()
            is None
        )
        kept = get_submission(conn, futian, draft_id)
        assert (kept.status, kept.value_count) == (SubmissionStatus.DISCARDED, 0)
        assert draft_id not in [item.id for item in list_submissions(conn, futian)]
        assert verify_chain(conn, system).ok
    action, detail = _ledger(db, draft_id)[-1]
    assert action == "submission.discarded"
    assert (detail["org"], detail["task"], detail["values"]) == ("FUTIAN", TASK, 1)
    assert _save(db, futian, _items(GDP="1001")) > draft_id


def test_submitted_and_approved_submissions_are_never_discarded(db: Database, system: Actor) -> None:
    futian = acting(db, "futian_submitter")
    with db.write() as conn:
        submitted = submit_items(conn, futian, _items(GDP="1000"), org_code="FUTIAN", task=TASK)
    assert submitted.submission.status is SubmissionStatus.UNDER_REVIEW
    with db.write() as conn, pytest.raises(InvalidState) as refused:
        discard_draft(conn, futian, submitted.submission.id)
    assert refused.value.render() == (
        f"Submission {submitted.submission.id} is under_review; only a draft can be discarded, "
        "a submitted one stays on record"
    )
    with db.write() as conn:
        approve(conn, acting(db, "stats_reviewer"), submitted.submission.id)
    for actor in (futian, system):
        with db.write() as conn, pytest.raises(InvalidState, match="is approved; only a draft"):
            discard_draft(conn, actor, submitted.submission.id)
    with db.write() as conn, pytest.raises(InvalidState, match="only a draft can be submitted"):
        submit_draft(conn, futian, submitted.submission.id)
    with db.read() as conn:
        assert get_submission(conn, futian, submitted.submission.id).status is SubmissionStatus.APPROVED


def test_only_its_organisation_sees_and_changes_a_draft(db: Database) -> None:
    futian = acting(db, "futian_submitter")
    draft_id = _save(db, futian, _items(GDP="1000"))
    ledger = len(_ledger(db, draft_id))
    for username in ("luohu_submitter", "stats_reviewer"):  # another district; the task's reviewer
        other = acting(db, username)
        with db.read() as conn, pytest.raises(PermissionDenied):
            get_submission(conn, other, draft_id)
        with db.read() as conn:
            assert draft_id not in [item.id for item in list_submissions(conn, other)]
        for change in (submit_draft, discard_draft):
            with db.write() as conn, pytest.raises(PermissionDenied):
                change(conn, other, draft_id)
    viewer = acting(db, "futian_reviewer")  # sees its organisation's draft, but does not submit data
    with db.write() as conn, pytest.raises(PermissionDenied, match="submit data"):
        discard_draft(conn, viewer, draft_id)
    luohu = acting(db, "luohu_submitter")
    with db.write() as conn, pytest.raises(PermissionDenied):
        submit_items(conn, luohu, _items(GDP="1"), org_code="FUTIAN", draft=True, draft_id=draft_id)
    with db.read() as conn:
        assert get_submission(conn, futian, draft_id).status is SubmissionStatus.DRAFT
    assert len(_ledger(db, draft_id)) == ledger


def test_a_draft_is_replaced_only_by_its_own_organisation_while_it_is_a_draft(db: Database) -> None:
    futian = acting(db, "futian_submitter")
    draft_id = _save(db, futian, _items(GDP="1000"))
    admin = acting(db, "admin")  # a platform admin may submit for any organisation, but not into this draft
    with db.write() as conn, pytest.raises(InvalidInput, match="made by another organisation"):
        submit_items(conn, admin, _items(GDP="1"), org_code="LUOHU", draft=True, draft_id=draft_id)
    with db.write() as conn:
        submit_draft(conn, futian, draft_id)
    with db.write() as conn, pytest.raises(InvalidState, match="only a draft can be changed"):
        submit_items(conn, futian, _items(GDP="2"), org_code="FUTIAN", draft=True, draft_id=draft_id)
    assert [value for _region, value, _place in _values(db, draft_id)] == [1000.0]


def test_an_upload_kept_as_a_draft_is_submitted_as_it_was_read(db: Database, system: Actor) -> None:
    body = "地区,地区生产总值\n福田区,100\n罗湖区,abc\n".encode()
    with db.write() as conn:
        result = submit_upload(conn, system, body, "draft.csv", org_code="STATS", period="2024", draft=True)
    draft = result.submission
    assert (draft.status, draft.value_count, draft.kind, draft.channel) == (
        SubmissionStatus.DRAFT,
        1,
        "csv",
        "upload",
    )
    assert [line.location for line in result.lines] == ["draft!B3"]  # the reading problem is reported
    assert draft.mapping["地区生产总值"] == "GDP"
    with db.write() as conn:
        submitted = submit_draft(conn, system, draft.id)
    assert submitted.submission.status is SubmissionStatus.AUDIT_FAILED
    assert "draft!B3" in [line.location for line in submitted.lines]

    good = "地区,地区生产总值\n福田区,100\n".encode()
    with db.write() as conn:
        kept = submit_upload(conn, system, good, "good.csv", org_code="STATS", period="2024", draft=True)
        assert (
            conn.execute(
                select(submission_files.c.content).where(
                    submission_files.c.submission_id == kept.submission.id
                )
            ).scalar_one()
            == good
        )
    with db.write() as conn:
        submitted = submit_draft(conn, system, kept.submission.id)
    assert (submitted.submission.id, submitted.submission.status) == (
        kept.submission.id,
        SubmissionStatus.UNDER_REVIEW,
    )
    assert submitted.submission.reviewer_org == "STATS"  # outside a task: GDP's authoritative department


def test_a_draft_begun_after_a_submission_does_not_hide_it_on_the_board(db: Database) -> None:
    futian = acting(db, "futian_submitter")
    with db.write() as conn:
        submit_items(conn, futian, _items(GDP="1000"), org_code="FUTIAN", task=TASK)
    _save(db, futian, _items(GDP="1001"))
    with db.read() as conn:
        line = next(line for line in task_board(conn, futian, TASK).lines if line.org_code == "FUTIAN")
    assert line.state == "submitted"
