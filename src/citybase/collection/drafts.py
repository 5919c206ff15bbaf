"""Drafts (草稿): values kept by their organisation without being submitted, then submitted under the same
number (and audited then), or discarded. Nothing in a draft is reviewed or published, and only its own
organisation sees and changes it; a submitted submission can never be discarded."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, update

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import Organisation, find_organisation
from citybase.accounts.permissions import Permission, may, require
from citybase.audit.tables import audit_findings
from citybase.collection.intake import IntakeResult, audit_staged
from citybase.collection.model import AuditLine, Channel, Submission, SubmissionStatus
from citybase.collection.staging import Staged
from citybase.collection.store import (
    TaskContext,
    add_event,
    clear_staged,
    get_submission,
    load_lines,
    save_lines,
    staged_facts,
    submission_file,
    submission_of,
    submission_query,
    task_context,
)
from citybase.collection.tables import submission_values, submissions
from citybase.errors import InvalidState
from citybase.indicators.catalog import indicator_catalog
from citybase.ledger import record
from citybase.messages import N_, message
from citybase.regions.index import region_index
from citybase.storage.metadata import utcnow

_ITEM = re.compile(r"^\$\.items\[(\d+)\]")


def submit_draft(conn: Connection, actor: Actor, submission_id: int) -> IntakeResult:
    """Submit a draft as it was saved: the audit runs now, and it goes under review or fails the audit."""
    draft = editable_draft(
        conn, actor, submission_id, N_("Submission {id} is {status}; only a draft can be submitted")
    )
    org = find_organisation(conn, draft.org_code)
    context = task_context(conn, actor, draft.task_code, org, draft.task_period)
    catalog = indicator_catalog(conn)
    facts, locations = staged_facts(conn, draft.id, catalog)
    lines = load_lines(conn, draft.id)  # what was found when the draft was read and checked
    context, audited = audit_staged(
        conn, context, Staged(facts, locations), catalog=catalog, regions=region_index(conn)
    )
    lines += audited
    errors = sum(1 for line in lines if line.severity == "error")
    status = SubmissionStatus.AUDIT_FAILED if errors else SubmissionStatus.UNDER_REVIEW
    submission = submit_saved_draft(conn, actor, draft, org, lines, context=context, status=status)
    return IntakeResult(submission, lines)


def discard_draft(conn: Connection, actor: Actor, submission_id: int) -> Submission:
    """Delete a draft with its values; the ledger keeps what was discarded, by whom."""
    draft = editable_draft(
        conn,
        actor,
        submission_id,
        N_("Submission {id} is {status}; only a draft can be discarded, a submitted one stays on record"),
    )
    delete_draft(conn, actor, draft)
    return draft


@dataclass(frozen=True)
class DraftItems:
    """A draft kept as JSON items (the grid's), with the findings of each item by its position."""

    submission: Submission
    items: list[dict[str, Any]]
    findings: dict[int, list[AuditLine]] = field(default_factory=dict)


def grid_draft(
    conn: Connection, actor: Actor, org: Organisation, task: str | None, period: str
) -> DraftItems | None:
    """The organisation's grid draft for a task period (or, outside a task, a period), for the grid to
    show again; None when there is none or the actor may not submit for the organisation."""
    if not may(actor, Permission.SUBMIT_DATA, org.id):
        return None
    context = task_context(conn, actor, task, org, period or None)
    draft = find_draft(
        conn, actor, org, task_period_id=context.task_period_id, period=period, channel=Channel.GRID.value
    )
    if draft is None:
        return None
    _submission, content = submission_file(conn, actor, draft.id)
    items = json.loads(content) if content else []
    findings: dict[int, list[AuditLine]] = {}
    for line in load_lines(conn, draft.id):
        found = _ITEM.match(line.location)
        if found:
            findings.setdefault(int(found.group(1)), []).append(line)
    return DraftItems(draft, [item for item in items if isinstance(item, dict)], findings)


def editable_draft(conn: Connection, actor: Actor, submission_id: int, refusal: str) -> Submission:
    """A draft its organisation may change; `refusal` ({id}, {status}) says why anything else is refused."""
    submission = get_submission(conn, actor, submission_id)
    org = find_organisation(conn, submission.org_code)
    require(actor, Permission.SUBMIT_DATA, org.id, org.code)
    if submission.status is not SubmissionStatus.DRAFT:
        raise InvalidState(message(refusal, id=submission.id, status=submission.status.value))
    return submission


def submit_saved_draft(
    conn: Connection,
    actor: Actor,
    draft: Submission,
    org: Organisation,
    lines: Sequence[AuditLine],
    *,
    context: TaskContext,
    status: SubmissionStatus,
) -> Submission:
    """A draft becomes a submission with the same number: its findings replaced by `lines`, its state set."""
    errors = sum(1 for line in lines if line.severity == "error")
    warnings = sum(1 for line in lines if line.severity == "warning")
    conn.execute(
        update(submissions)
        .where(submissions.c.id == draft.id)
        .values(
            status=status.value,
            reviewer_org_id=context.reviewer_org_id,
            two_level=context.two_level and org.kind == "district",
            error_count=errors,
            warning_count=warnings,
            submitted_at=utcnow(),
        )
    )
    conn.execute(delete(audit_findings).where(audit_findings.c.submission_id == draft.id))
    if status is SubmissionStatus.AUDIT_FAILED:
        conn.execute(delete(submission_values).where(submission_values.c.submission_id == draft.id))
    save_lines(conn, draft.id, lines)
    add_event(conn, actor, draft.id, SubmissionStatus.DRAFT, status, "")
    record(
        conn,
        actor,
        "submission.audited",
        "submission",
        str(draft.id),
        {
            "org": org.code,
            "status": status.value,
            "values": draft.value_count,
            "errors": errors,
            "warnings": warnings,
            "corrects": draft.corrects_id,
            "from_draft": True,
        },
    )
    return get_submission(conn, actor, draft.id)


def delete_draft(conn: Connection, actor: Actor, draft: Submission) -> None:
    """Delete a draft's values, file and findings, and mark it discarded; the ledger keeps what it held."""
    clear_staged(conn, draft.id, files=True)
    conn.execute(
        update(submissions)
        .where(submissions.c.id == draft.id)
        .values(status=SubmissionStatus.DISCARDED.value, value_count=0, error_count=0, warning_count=0)
    )
    add_event(conn, actor, draft.id, SubmissionStatus.DRAFT, SubmissionStatus.DISCARDED, "")
    record(
        conn,
        actor,
        "submission.discarded",
        "submission",
        str(draft.id),
        {
            "org": draft.org_code,
            "channel": draft.channel,
            "filename": draft.filename,
            "task": draft.task_code,
            "task_period": draft.task_period,
            "period": draft.period,
            "values": draft.value_count,
        },
    )


def find_draft(
    conn: Connection,
    actor: Actor,
    org: Organisation,
    *,
    task_period_id: int | None,
    period: str,
    channel: str,
) -> Submission | None:
    """The organisation's latest draft through `channel` for a task period (or, outside a task, a period)."""
    require(actor, Permission.SUBMIT_DATA, org.id, org.code)
    query = submission_query().where(
        submissions.c.org_id == org.id,
        submissions.c.status == SubmissionStatus.DRAFT.value,
        submissions.c.channel == channel,
    )
    if task_period_id is None:
        query = query.where(submissions.c.task_period_id.is_(None), submissions.c.period == period)
    else:
        query = query.where(submissions.c.task_period_id == task_period_id)
    row = conn.execute(query.order_by(submissions.c.id.desc()).limit(1)).mappings().first()
    return submission_of(row) if row else None


__all__ = ["DraftItems", "discard_draft", "editable_draft", "find_draft", "grid_draft", "submit_draft"]
