"""Keeping submissions: the row, the file as uploaded, the staged values, the audit lines and the events."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.sql import Select

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import Organisation, platform_org_id
from citybase.accounts.permissions import Permission, Scope, require, scope_of
from citybase.accounts.tables import organisations
from citybase.audit.model import Key
from citybase.audit.tables import audit_findings
from citybase.collection.model import AuditLine, Submission, SubmissionStatus
from citybase.collection.staging import Staged
from citybase.collection.tables import (
    collection_tasks,
    submission_events,
    submission_files,
    submission_values,
    submissions,
    task_periods,
)
from citybase.errors import InvalidInput, NotFound, PermissionDenied
from citybase.facts.model import CheckedFact
from citybase.indicators.catalog import IndicatorCatalog
from citybase.ledger import record
from citybase.messages import N_, Message, message
from citybase.storage.bulk import bulk_insert
from citybase.storage.metadata import utcnow

VALUE_COLUMNS = (
    "submission_id",
    "indicator_id",
    "region_code",
    "period",
    "period_start",
    "period_end",
    "dims",
    "value",
    "status",
    "note",
    "location",
)


@dataclass(frozen=True)
class TaskContext:
    """The task period a submission answers (if any), and who reviews it."""

    task_period_id: int | None
    reviewer_org_id: int
    two_level: bool
    indicators: tuple[str, ...] = ()
    period: str | None = None
    regions: tuple[str, ...] = field(default_factory=tuple)

    def expected_keys(self, catalog: IndicatorCatalog, staged: Staged) -> list[Key]:
        """Every cell the task asks this organisation for (completeness rules check these)."""
        if self.period is None:
            return []
        return [(code, region, self.period, "") for code in self.indicators for region in self.regions]


def task_context(
    conn: Connection, actor: Actor, task_code: str | None, org: Organisation, period: str | None
) -> TaskContext:
    if not task_code:
        return TaskContext(None, platform_org_id(conn), two_level=False)
    from citybase.collection.tasks import expected_regions, find_task, open_period_for

    task = find_task(conn, task_code)
    if org.id not in task.org_ids:
        raise InvalidInput(
            message(
                N_("Organisation {org} is not asked to report for task {task}"), org=org.code, task=task.code
            )
        )
    task_period = open_period_for(conn, task, period)
    return TaskContext(
        task_period_id=task_period.id,
        reviewer_org_id=task.reviewer_org_id,
        two_level=task.two_level,
        indicators=task.indicators,
        period=task_period.period,
        regions=tuple(expected_regions(conn, task, org)),
    )


def save_submission(
    conn: Connection,
    actor: Actor,
    org: Organisation,
    staged: Staged,
    lines: Sequence[AuditLine],
    *,
    context: TaskContext,
    status: SubmissionStatus,
    channel: str,
    filename: str,
    kind: str,
    content: bytes | None,
    sha256: str,
    period: str | None,
    mapping: Mapping[str, str],
    explanation: str,
    corrects: int | None,
    reason: str,
    client_key: str | None,
    replacing: int | None = None,
) -> Submission:
    """Keep a submission, or a draft (not submitted, nothing reviewed); `replacing` names a draft whose
    values, file and findings this replaces in place, so it keeps its number."""
    if corrects is not None:
        _check_correction(conn, actor, org, corrects, reason)
    now = utcnow()
    errors = sum(1 for line in lines if line.severity == "error")
    warnings = sum(1 for line in lines if line.severity == "warning")
    draft = status is SubmissionStatus.DRAFT
    row = {
        "org_id": org.id,
        "task_period_id": context.task_period_id,
        "reviewer_org_id": context.reviewer_org_id,
        "two_level": context.two_level and org.kind == "district",
        "channel": channel,
        "status": status.value,
        "filename": filename,
        "kind": kind,
        "file_sha256": sha256,
        "period": period,
        "corrects_id": corrects,
        "reason": reason,
        "explanation": explanation,
        "value_count": len(staged.facts),
        "error_count": errors,
        "warning_count": warnings,
        "layout": json.dumps(dict(mapping), ensure_ascii=False),
        "submitted_at": None if draft else now,
    }
    before: SubmissionStatus | None = None
    if replacing is None:
        submission_id = conn.execute(
            insert(submissions)
            .values(**row, client_key=client_key, created_by=actor.username, created_at=now)
            .returning(submissions.c.id)
        ).scalar_one()
    else:
        submission_id, before = replacing, SubmissionStatus.DRAFT
        conn.execute(update(submissions).where(submissions.c.id == replacing).values(**row))
        clear_staged(conn, replacing, files=True)
    if content is not None:
        conn.execute(insert(submission_files).values(submission_id=submission_id, content=content))
    if status is not SubmissionStatus.AUDIT_FAILED:
        bulk_insert(conn, "submission_values", VALUE_COLUMNS, _value_rows(submission_id, staged))
    save_lines(conn, submission_id, lines)
    if before is not status:
        add_event(conn, actor, submission_id, before, status, "")
    record(
        conn,
        actor,
        "submission.draft_saved" if draft else "submission.audited",
        "submission",
        str(submission_id),
        {
            "org": org.code,
            "status": status.value,
            "values": len(staged.facts),
            "errors": errors,
            "warnings": warnings,
            "file_sha256": sha256,
            "corrects": corrects,
            "from_draft": replacing is not None,
        },
    )
    return get_submission(conn, actor, submission_id)


def clear_staged(conn: Connection, submission_id: int, *, files: bool) -> None:
    """Remove a submission's staged values and findings (and its kept file), before they are replaced."""
    tables = (submission_values, audit_findings, *((submission_files,) if files else ()))
    for table in tables:
        conn.execute(delete(table).where(table.c.submission_id == submission_id))


def _check_correction(conn: Connection, actor: Actor, org: Organisation, corrects: int, reason: str) -> None:
    original = get_submission(conn, actor, corrects)
    if original.org_code != org.code:
        raise InvalidInput(message(N_("Submission {id} was made by another organisation"), id=corrects))
    if original.status is not SubmissionStatus.APPROVED:
        raise InvalidInput(
            message(
                N_("Only an approved submission is corrected by a new one; {id} is {status}"),
                id=corrects,
                status=original.status.value,
            )
        )
    if not reason.strip():
        raise InvalidInput(message(N_("A correction needs a reason")))


def _value_rows(submission_id: int, staged: Staged) -> Iterator[tuple[Any, ...]]:
    """The rows to write, made as they are written rather than held as another million tuples (and made in
    C: each column is read from the facts by position, and zip puts the rows together)."""
    if len(staged.facts) != len(staged.locations):
        raise ValueError("every staged value has its location")
    fields = ["indicator_id", "region_code", "period", "period_start", "period_end", "dims", "value"]
    fields += ["status", "note"]
    columns = [map(itemgetter(CheckedFact._fields.index(name)), staged.facts) for name in fields]
    return zip(repeat(submission_id, len(staged.facts)), *columns, staged.locations, strict=True)


def save_lines(conn: Connection, submission_id: int, lines: Sequence[AuditLine]) -> None:
    if not lines:
        return
    conn.execute(
        insert(audit_findings),
        [
            {
                "submission_id": submission_id,
                "rule": line.rule,
                "severity": line.severity,
                "location": line.location[:64],
                "indicator": line.indicator,
                "region_code": line.region,
                "period": line.period,
                "message": line.message.template,
                "params": json.dumps(_plain_params(line.message), ensure_ascii=False, default=str),
                "values_text": line.values,
                "expected": line.expected,
                "involved": json.dumps(list(line.involved), ensure_ascii=False),
            }
            for line in lines
        ],
    )


def _plain_params(reason: Message) -> dict[str, Any]:
    return {
        name: {"template": value.template, "params": _plain_params(value)}
        if isinstance(value, Message)
        else value
        for name, value in reason.params.items()
    }


def _message_from(template: str, params: Mapping[str, Any]) -> Message:
    return Message(
        template,
        {
            name: _message_from(value["template"], value["params"])
            if isinstance(value, dict) and "template" in value
            else value
            for name, value in params.items()
        },
    )


def load_lines(conn: Connection, submission_id: int) -> list[AuditLine]:
    rows = conn.execute(
        select(audit_findings)
        .where(audit_findings.c.submission_id == submission_id)
        .order_by(audit_findings.c.id)
    ).mappings()
    return [
        AuditLine(
            rule=row["rule"],
            severity=row["severity"],
            location=row["location"],
            indicator=row["indicator"],
            region=row["region_code"],
            period=row["period"],
            message=_message_from(row["message"], json.loads(row["params"])),
            values=row["values_text"],
            expected=row["expected"],
            involved=tuple(json.loads(row["involved"])),
        )
        for row in rows
    ]


def add_event(
    conn: Connection,
    actor: Actor,
    submission_id: int,
    before: SubmissionStatus | None,
    after: SubmissionStatus,
    comment: str,
) -> None:
    conn.execute(
        insert(submission_events).values(
            submission_id=submission_id,
            from_status=before.value if before else None,
            to_status=after.value,
            actor=actor.username,
            actor_org=actor.org_code,
            comment=comment,
            at=utcnow(),
        )
    )


def submission_query() -> Select[Any]:
    reviewer = organisations.alias("reviewer")
    return (
        select(
            submissions,
            organisations.c.code.label("org_code"),
            organisations.c.name.label("org_name"),
            reviewer.c.code.label("reviewer_code"),
            collection_tasks.c.code.label("task_code"),
            task_periods.c.period.label("task_period"),
        )
        .join(organisations, organisations.c.id == submissions.c.org_id)
        .join(reviewer, reviewer.c.id == submissions.c.reviewer_org_id)
        .outerjoin(task_periods, task_periods.c.id == submissions.c.task_period_id)
        .outerjoin(collection_tasks, collection_tasks.c.id == task_periods.c.task_id)
    )


def submission_of(row: Mapping[Any, Any]) -> Submission:
    return Submission(
        id=row["id"],
        org_code=row["org_code"],
        org_name=row["org_name"],
        status=SubmissionStatus(row["status"]),
        channel=row["channel"],
        filename=row["filename"],
        kind=row["kind"],
        period=row["period"],
        task_code=row["task_code"],
        task_period=row["task_period"],
        reviewer_org=row["reviewer_code"],
        two_level=bool(row["two_level"]),
        corrects_id=row["corrects_id"],
        reason=row["reason"],
        explanation=row["explanation"],
        value_count=row["value_count"],
        error_count=row["error_count"],
        warning_count=row["warning_count"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        submitted_at=row["submitted_at"],
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
        comment=row["comment"],
        mapping=json.loads(row["layout"] or "{}"),
    )


def may_view(actor: Actor, submission: Submission, reviewer_org_id: int, org_id: int) -> bool:
    """Its organisation sees a submission, and so does its reviewer once it is more than a draft."""
    scope = scope_of(actor, Permission.VIEW_SUBMISSIONS)
    if scope is Scope.ANY:
        return True
    reviewer_sees = actor.org_id == reviewer_org_id and submission.status is not SubmissionStatus.DRAFT
    return scope is Scope.OWN_ORG and (actor.org_id == org_id or reviewer_sees)


def get_submission(conn: Connection, actor: Actor, submission_id: int) -> Submission:
    row = conn.execute(submission_query().where(submissions.c.id == submission_id)).mappings().first()
    if row is None:
        raise NotFound(message(N_("No submission has the number {id}"), id=submission_id))
    submission = submission_of(row)
    if not may_view(actor, submission, row["reviewer_org_id"], row["org_id"]):
        raise PermissionDenied(
            message(N_("{actor} may not view submission {id}"), actor=actor.describe(), id=submission_id)
        )
    return submission


def find_by_client_key(conn: Connection, org_id: int, client_key: str) -> Submission | None:
    row = (
        conn.execute(
            submission_query().where(submissions.c.org_id == org_id, submissions.c.client_key == client_key)
        )
        .mappings()
        .first()
    )
    return submission_of(row) if row else None


def list_submissions(
    conn: Connection,
    actor: Actor,
    *,
    status: str | None = None,
    org: str | None = None,
    to_review: bool = False,
    limit: int = 200,
) -> list[Submission]:
    """Submissions the actor may see, newest first; `to_review`: those awaiting the actor's organisation."""
    require(actor, Permission.VIEW_SUBMISSIONS)
    query = submission_query().order_by(submissions.c.id.desc()).limit(limit)
    if scope_of(actor, Permission.VIEW_SUBMISSIONS) is not Scope.ANY:
        query = query.where(
            (submissions.c.org_id == actor.org_id)
            | (
                (submissions.c.reviewer_org_id == actor.org_id)
                & (submissions.c.status != SubmissionStatus.DRAFT.value)
            )
        )
    if status:
        query = query.where(submissions.c.status == status)
    else:
        query = query.where(submissions.c.status != SubmissionStatus.DISCARDED.value)
    if org:
        query = query.where(organisations.c.code == org)
    if to_review:
        query = query.where(
            submissions.c.status.in_(
                [SubmissionStatus.UNDER_REVIEW.value, SubmissionStatus.DISTRICT_APPROVED.value]
            )
        )
        if not actor.is_platform_admin:
            query = query.where(
                (submissions.c.reviewer_org_id == actor.org_id)
                | ((submissions.c.org_id == actor.org_id) & submissions.c.two_level.is_(True))
            )
    return [submission_of(row) for row in conn.execute(query).mappings()]


def staged_facts(
    conn: Connection, submission_id: int, catalog: IndicatorCatalog
) -> tuple[list[CheckedFact], list[str]]:
    rows = conn.execute(
        select(submission_values)
        .where(submission_values.c.submission_id == submission_id)
        .order_by(submission_values.c.id)
    )
    checked: list[CheckedFact] = []
    locations: list[str] = []
    for row in rows:
        checked.append(
            CheckedFact(
                indicator_id=row.indicator_id,
                indicator=catalog.by_id[row.indicator_id].code,
                region_code=row.region_code,
                period=row.period,
                period_start=row.period_start,
                period_end=row.period_end,
                dims=row.dims,
                value=row.value,
                status=row.status,
                note=row.note,
                row=None,
            )
        )
        locations.append(row.location)
    return checked, locations


def submission_file(conn: Connection, actor: Actor, submission_id: int) -> tuple[Submission, bytes | None]:
    submission = get_submission(conn, actor, submission_id)
    content = conn.execute(
        select(submission_files.c.content).where(submission_files.c.submission_id == submission_id)
    ).scalar_one_or_none()
    return submission, content


def submission_events_of(conn: Connection, actor: Actor, submission_id: int) -> list[dict[str, Any]]:
    get_submission(conn, actor, submission_id)
    rows = conn.execute(
        select(submission_events)
        .where(submission_events.c.submission_id == submission_id)
        .order_by(submission_events.c.id)
    ).mappings()
    return [
        {
            "from": row["from_status"],
            "to": row["to_status"],
            "actor": row["actor"],
            "org": row["actor_org"],
            "comment": row["comment"],
            "at": row["at"].isoformat(),
        }
        for row in rows
    ]
