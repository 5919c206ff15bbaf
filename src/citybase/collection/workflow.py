"""The review workflow: under review → approved (published to the central store) or returned with comments;
district figures may pass the district's own reviewers first. Every transition goes to the ledger.

Approval publishes the whole submission in the caller's transaction, so a crash at any point leaves all
of it published or none of it.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import find_organisation
from citybase.accounts.permissions import Permission, require
from citybase.accounts.tables import organisations
from citybase.collection.model import Submission, SubmissionStatus
from citybase.collection.notifications import notify
from citybase.collection.store import add_event, get_submission, staged_facts
from citybase.collection.tables import submissions
from citybase.errors import InvalidInput
from citybase.facts.store import store_checked
from citybase.indicators.catalog import indicator_catalog
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.storage.metadata import utcnow

_REVIEWABLE = (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.DISTRICT_APPROVED)


def _reviewer_of(conn: Connection, submission: Submission) -> tuple[int, str]:
    org = find_organisation(conn, submission.deciding_org)
    return org.id, org.code


def _require_reviewable(conn: Connection, actor: Actor, submission: Submission) -> tuple[int, str]:
    if submission.status not in _REVIEWABLE:
        raise InvalidInput(
            message(
                N_("Submission {id} is {status}; only a submission under review can be decided"),
                id=submission.id,
                status=submission.status.value,
            )
        )
    org_id, org_code = _reviewer_of(conn, submission)
    require(actor, Permission.REVIEW_SUBMISSIONS, org_id, org_code)
    return org_id, org_code


def approve(conn: Connection, actor: Actor, submission_id: int, comment: str = "") -> Submission:
    """Approve a submission; at the last level its values are published to the central store."""
    submission = get_submission(conn, actor, submission_id)
    _reviewer_id, reviewer_code = _require_reviewable(conn, actor, submission)
    if submission.warning_count and not submission.explanation.strip() and not actor.is_platform_admin:
        raise InvalidInput(
            message(
                N_("Submission {id} has {count} warning(s) without an explanation (说明) from the submitter"),
                id=submission.id,
                count=submission.warning_count,
            )
        )
    now = utcnow()
    if submission.two_level and submission.status is SubmissionStatus.UNDER_REVIEW:
        _move(conn, actor, submission, SubmissionStatus.DISTRICT_APPROVED, comment)
        record(
            conn,
            actor,
            "submission.district_approved",
            "submission",
            str(submission.id),
            {"comment": comment},
        )
        return get_submission(conn, actor, submission.id)
    catalog = indicator_catalog(conn)
    checked, _locations = staged_facts(conn, submission.id, catalog)
    org = find_organisation(conn, submission.org_code)
    report = store_checked(
        conn,
        actor,
        checked,
        catalog=catalog,
        origin=f"submission:{submission.id}",
        source_org_id=org.id,
        source_org=org.code,
        approved_by=reviewer_code,
    )
    detail = {**report.as_dict(), "conflict_ids": report.conflicts}
    conn.execute(
        update(submissions)
        .where(submissions.c.id == submission.id)
        .values(
            status=SubmissionStatus.APPROVED.value,
            decided_at=now,
            decided_by=actor.username,
            comment=comment,
            publish_report=json.dumps(detail, ensure_ascii=False),
        )
    )
    add_event(conn, actor, submission.id, submission.status, SubmissionStatus.APPROVED, comment)
    record(
        conn, actor, "submission.approved", "submission", str(submission.id), {**detail, "comment": comment}
    )
    notify(
        conn,
        [org.id],
        "approved",
        message(
            N_("Submission {id} was approved and published ({count} values)"),
            id=submission.id,
            count=len(checked),
        ),
        f"/submissions/{submission.id}",
    )
    return get_submission(conn, actor, submission.id)


def return_submission(conn: Connection, actor: Actor, submission_id: int, comment: str) -> Submission:
    """Send a submission back to its organisation with the reviewer's comments."""
    submission = get_submission(conn, actor, submission_id)
    _require_reviewable(conn, actor, submission)
    if not comment.strip():
        raise InvalidInput(message(N_("Say why the submission is returned")))
    _move(conn, actor, submission, SubmissionStatus.RETURNED, comment)
    record(conn, actor, "submission.returned", "submission", str(submission.id), {"comment": comment})
    org_id = conn.execute(
        select(organisations.c.id).where(organisations.c.code == submission.org_code)
    ).scalar_one()
    notify(
        conn,
        [org_id],
        "returned",
        message(N_("Submission {id} was returned: {comment}"), id=submission.id, comment=comment),
        f"/submissions/{submission.id}",
    )
    return get_submission(conn, actor, submission.id)


def explain(conn: Connection, actor: Actor, submission_id: int, explanation: str) -> Submission:
    """The submitter's written explanation (说明) of the audit warnings."""
    submission = get_submission(conn, actor, submission_id)
    org = find_organisation(conn, submission.org_code)
    require(actor, Permission.SUBMIT_DATA, org.id, org.code)
    if submission.status not in _REVIEWABLE:
        raise InvalidInput(
            message(
                N_("Submission {id} is {status} and can no longer be explained"),
                id=submission.id,
                status=submission.status.value,
            )
        )
    if not explanation.strip():
        raise InvalidInput(message(N_("The explanation is empty")))
    conn.execute(
        update(submissions).where(submissions.c.id == submission.id).values(explanation=explanation.strip())
    )
    record(
        conn,
        actor,
        "submission.explained",
        "submission",
        str(submission.id),
        {"explanation": explanation.strip()},
    )
    return get_submission(conn, actor, submission.id)


def _move(
    conn: Connection, actor: Actor, submission: Submission, status: SubmissionStatus, comment: str
) -> None:
    conn.execute(
        update(submissions)
        .where(submissions.c.id == submission.id)
        .values(status=status.value, decided_at=utcnow(), decided_by=actor.username, comment=comment)
    )
    add_event(conn, actor, submission.id, submission.status, status, comment)
