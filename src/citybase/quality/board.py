"""The data-quality board (数据质量看板): rule violations, timeliness, conflicts between sources and review
outcomes for a range of months, for everything the actor may see or one organisation or task."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.quality.conflicts import conflicts_by_indicator, conflicts_by_org, oldest_open
from citybase.quality.findings import (
    findings_by_month,
    findings_by_org,
    findings_by_rule,
    findings_by_severity,
)
from citybase.quality.model import QualityBoard, Summary, rate
from citybase.quality.reviews import returned_submissions, reviews_by_org
from citybase.quality.scope import resolve_scope
from citybase.quality.timeliness import timeliness


def quality_board(
    conn: Connection,
    actor: Actor,
    *,
    start: str | None = None,
    end: str | None = None,
    org: str | None = None,
    task: str | None = None,
    today: dt.date | None = None,
) -> QualityBoard:
    """The board for the months `start`..`end` (YYYY-MM; by default the twelve up to this month).

    Whoever may view every organisation's submissions sees the whole city; anyone else their own
    organisation's figures and those it reviews, and is refused another organisation or task."""
    today = today or dt.datetime.now(dt.UTC).date()
    scope = resolve_scope(conn, actor, start=start, end=end, org=org, task=task, today=today)
    severities = findings_by_severity(conn, scope)
    by_task, by_org, lines = timeliness(conn, scope, today)
    conflicts_indicator = conflicts_by_indicator(conn, scope)
    reviews = reviews_by_org(conn, scope)
    asked = len(lines)
    submitted = sum(item.submitted for item in by_task)
    on_time = sum(item.on_time for item in by_task)
    findings = {item.severity: item.findings for item in severities}
    summary = Summary(
        submissions=sum(item.submissions for item in reviews),
        error_findings=findings.get("error", 0),
        warning_findings=findings.get("warning", 0),
        asked=asked,
        submitted=submitted,
        on_time=on_time,
        overdue=sum(item.overdue for item in by_task),
        completion_rate=rate(submitted, asked),
        timeliness_rate=rate(on_time, asked),
        open_conflicts=sum(item.open for item in conflicts_indicator),
        resolved_conflicts=sum(item.resolved for item in conflicts_indicator),
        approved=sum(item.approved for item in reviews),
        returned=sum(item.returned for item in reviews),
        audit_failed=sum(item.audit_failed for item in reviews),
        pending=sum(item.pending for item in reviews),
    )
    return QualityBoard(
        start=scope.start,
        end=scope.end,
        org=scope.org.code if scope.org else None,
        task=scope.task.code if scope.task else None,
        every_org=scope.every_org,
        summary=summary,
        findings_by_rule=findings_by_rule(conn, scope),
        findings_by_severity=severities,
        findings_by_org=findings_by_org(conn, scope),
        findings_by_month=findings_by_month(conn, scope),
        timeliness_by_task=by_task,
        timeliness_by_org=by_org,
        timeliness_lines=lines,
        conflicts_by_indicator=conflicts_indicator,
        conflicts_by_org=conflicts_by_org(conn, scope),
        oldest_conflicts=oldest_open(conn, scope),
        reviews_by_org=reviews,
        returns=returned_submissions(conn, scope),
    )
