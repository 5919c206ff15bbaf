"""What a quality board covers: the months, the organisation or task asked for, and what the actor may see
(everything for those who view submissions of any organisation, else their own organisation's and what it
reviews)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, func, or_, select

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import Organisation, find_organisation
from citybase.accounts.permissions import Permission, Scope, require, scope_of
from citybase.accounts.tables import organisations
from citybase.collection.model import SubmissionStatus
from citybase.collection.tables import collection_tasks, submissions, task_orgs, task_periods
from citybase.collection.tasks import Task, find_task
from citybase.errors import InvalidInput, PermissionDenied
from citybase.messages import N_, message

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DEFAULT_MONTHS = 12
MAX_MONTHS = 120
# Drafts are neither audited nor reviewed, and a discarded draft is gone: neither says anything of quality.
UNSUBMITTED = (SubmissionStatus.DRAFT.value, SubmissionStatus.DISCARDED.value)


@dataclass(frozen=True)
class BoardScope:
    """The resolved filters of one board: months `start`..`end` inclusive, and who is looking."""

    actor: Actor
    start: str
    end: str
    org: Organisation | None
    task: Task | None
    every_org: bool  # the actor may see every organisation's submissions

    @property
    def months(self) -> list[str]:
        return months_between(self.start, self.end)

    @property
    def begins(self) -> dt.datetime:
        year, month = _parts(self.start)
        return dt.datetime(year, month, 1, tzinfo=dt.UTC)

    @property
    def ends(self) -> dt.datetime:
        """The first instant after the range."""
        year, month = _parts(self.end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return dt.datetime(year, month, 1, tzinfo=dt.UTC)

    def submission_filter(self) -> ColumnElement[bool]:
        """Submitted (not draft) submissions in the months, of the organisation and task asked for, that the
        actor may see: made by or reviewed by its own organisation unless it sees every one."""
        conditions: list[ColumnElement[bool]] = [
            submissions.c.status.not_in(UNSUBMITTED),
            submissions.c.submitted_at >= self.begins,
            submissions.c.submitted_at < self.ends,
        ]
        if not self.every_org:
            conditions.append(
                or_(
                    submissions.c.org_id == self.actor.org_id,
                    submissions.c.reviewer_org_id == self.actor.org_id,
                )
            )
        if self.org is not None:
            conditions.append(submissions.c.org_id == self.org.id)
        if self.task is not None:
            conditions.append(
                submissions.c.task_period_id.in_(
                    select(task_periods.c.id).where(task_periods.c.task_id == self.task.id)
                )
            )
        return and_(*conditions)


def _parts(month: str) -> tuple[int, int]:
    found = MONTH.match(month)
    assert found is not None  # months are checked by parse_month before they get here
    return int(found.group(1)), int(found.group(2))


def parse_month(text: str, field: str) -> str:
    """A month written YYYY-MM, checked; InvalidInput naming the field otherwise."""
    value = text.strip()
    found = MONTH.match(value)
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
        template = (
            N_("The start month '{value}' must be written YYYY-MM, e.g. 2026-03")
            if field == "start"
            else N_("The end month '{value}' must be written YYYY-MM, e.g. 2026-03")
        )
        raise InvalidInput(message(template, value=text))
    return value


def shift_month(month: str, delta: int) -> str:
    year, number = _parts(month)
    index = year * 12 + number - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(start: str, end: str) -> list[str]:
    first, last = _parts(start), _parts(end)
    count = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    return [shift_month(start, step) for step in range(count)]


def month_of(conn: Connection, column: Any) -> ColumnElement[str]:
    """The UTC month of a timestamp column as YYYY-MM text (SQLite stores it naive, in UTC)."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _reviews_for(conn: Connection, reviewer_org_id: int | None, org: Organisation) -> bool:
    """Whether one organisation reviews another's figures: by a task, or a submission sent to it."""
    if reviewer_org_id is None:
        return False
    by_task = exists(
        select(task_orgs.c.org_id)
        .join(collection_tasks, collection_tasks.c.id == task_orgs.c.task_id)
        .where(task_orgs.c.org_id == org.id, collection_tasks.c.reviewer_org_id == reviewer_org_id)
    )
    by_submission = exists(
        select(submissions.c.id).where(
            submissions.c.org_id == org.id, submissions.c.reviewer_org_id == reviewer_org_id
        )
    )
    return bool(conn.execute(select(or_(by_task, by_submission))).scalar_one())


def resolve_scope(
    conn: Connection,
    actor: Actor,
    *,
    start: str | None,
    end: str | None,
    org: str | None,
    task: str | None,
    today: dt.date,
) -> BoardScope:
    """Check the filters and the actor's right to them; the months default to the twelve up to `today`."""
    require(actor, Permission.VIEW_SUBMISSIONS)
    every_org = scope_of(actor, Permission.VIEW_SUBMISSIONS) is Scope.ANY
    last = parse_month(end, "end") if end else f"{today.year:04d}-{today.month:02d}"
    first = parse_month(start, "start") if start else shift_month(last, 1 - DEFAULT_MONTHS)
    if first > last:
        raise InvalidInput(
            message(N_("The start month {start} is after the end month {end}"), start=first, end=last)
        )
    if len(months_between(first, last)) > MAX_MONTHS:
        raise InvalidInput(message(N_("A quality board covers at most {count} months"), count=MAX_MONTHS))
    chosen_org = find_organisation(conn, org.strip().upper()) if org and org.strip() else None
    if (
        chosen_org is not None
        and not every_org
        and chosen_org.id != actor.org_id
        and not _reviews_for(conn, actor.org_id, chosen_org)
    ):
        require(actor, Permission.VIEW_SUBMISSIONS, chosen_org.id, chosen_org.code)
    chosen_task = find_task(conn, task) if task and task.strip() else None
    if (
        chosen_task is not None
        and not every_org
        and actor.org_id not in (*chosen_task.org_ids, chosen_task.reviewer_org_id)
    ):
        raise PermissionDenied(
            message(
                N_("{actor} may not view the board of task {task}"),
                actor=actor.describe(),
                task=chosen_task.code,
            )
        )
    return BoardScope(actor, first, last, chosen_org, chosen_task, every_org)


def org_choices(conn: Connection, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the organisations the actor may narrow the board to: every one, or its own and those
    whose figures it reviews."""
    require(actor, Permission.VIEW_SUBMISSIONS)
    query = select(organisations.c.code, organisations.c.name).order_by(
        organisations.c.kind, organisations.c.code
    )
    if scope_of(actor, Permission.VIEW_SUBMISSIONS) is not Scope.ANY:
        asked = (
            select(task_orgs.c.org_id)
            .join(collection_tasks, collection_tasks.c.id == task_orgs.c.task_id)
            .where(collection_tasks.c.reviewer_org_id == actor.org_id)
        )
        sent = select(submissions.c.org_id).where(submissions.c.reviewer_org_id == actor.org_id)
        query = query.where(
            or_(
                organisations.c.id == actor.org_id,
                organisations.c.id.in_(asked),
                organisations.c.id.in_(sent),
            )
        )
    return [(row.code, row.name) for row in conn.execute(query)]
