"""Review outcomes: the submissions in scope per organisation by where they ended (approved, returned,
failed the audit, still waiting), and the returned ones with the reviewer's comments."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, case, func, select

from citybase.accounts.tables import organisations
from citybase.collection.model import SubmissionStatus
from citybase.collection.tables import collection_tasks, submissions, task_periods
from citybase.quality.model import OrgReviews, ReturnedSubmission
from citybase.quality.scope import BoardScope

RETURNS_SHOWN = 500
PENDING = (SubmissionStatus.UNDER_REVIEW.value, SubmissionStatus.DISTRICT_APPROVED.value)


def _count_of(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def reviews_by_org(conn: Connection, scope: BoardScope) -> list[OrgReviews]:
    status = submissions.c.status
    rows = conn.execute(
        select(
            organisations.c.code,
            organisations.c.name,
            func.count().label("total"),
            _count_of(status == SubmissionStatus.APPROVED.value).label("approved"),
            _count_of(status == SubmissionStatus.RETURNED.value).label("returned"),
            _count_of(status == SubmissionStatus.AUDIT_FAILED.value).label("audit_failed"),
            _count_of(status.in_(PENDING)).label("pending"),
        )
        .select_from(submissions)
        .join(organisations, organisations.c.id == submissions.c.org_id)
        .where(scope.submission_filter())
        .group_by(organisations.c.code, organisations.c.name)
        .order_by(organisations.c.code)
    ).all()
    return [
        OrgReviews(
            org=row.code,
            org_name=row.name,
            submissions=row.total,
            approved=int(row.approved),
            returned=int(row.returned),
            audit_failed=int(row.audit_failed),
            pending=int(row.pending),
        )
        for row in rows
    ]


def returned_submissions(conn: Connection, scope: BoardScope) -> list[ReturnedSubmission]:
    """Returned submissions, most recently returned first, with the reviewer's comment."""
    rows = conn.execute(
        select(
            submissions.c.id,
            organisations.c.code,
            organisations.c.name,
            collection_tasks.c.code.label("task"),
            func.coalesce(task_periods.c.period, submissions.c.period).label("period"),
            submissions.c.submitted_at,
            submissions.c.decided_at,
            submissions.c.decided_by,
            submissions.c.comment,
        )
        .join(organisations, organisations.c.id == submissions.c.org_id)
        .outerjoin(task_periods, task_periods.c.id == submissions.c.task_period_id)
        .outerjoin(collection_tasks, collection_tasks.c.id == task_periods.c.task_id)
        .where(scope.submission_filter(), submissions.c.status == SubmissionStatus.RETURNED.value)
        .order_by(submissions.c.decided_at.desc(), submissions.c.id.desc())
        .limit(RETURNS_SHOWN)
    ).all()
    return [
        ReturnedSubmission(
            submission=row.id,
            org=row.code,
            org_name=row.name,
            task=row.task,
            period=row.period,
            submitted_at=row.submitted_at,
            returned_at=row.decided_at,
            returned_by=row.decided_by,
            comment=row.comment,
        )
        for row in rows
    ]
