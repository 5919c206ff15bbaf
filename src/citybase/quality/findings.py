"""Rule violations: the stored audit findings of the submissions in scope, counted by rule, severity,
organisation and month, each with one GROUP BY query."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, Connection, case, distinct, func, select

from citybase.accounts.tables import organisations
from citybase.audit.tables import audit_findings, audit_rules
from citybase.collection.tables import submissions
from citybase.quality.model import MonthFindings, OrgFindings, RuleFindings, SeverityFindings
from citybase.quality.scope import BoardScope, month_of

SEVERITIES = ("error", "warning")


def _code(rule: str) -> tuple[str, str]:
    """A finding's rule, GDP_BALANCE@v2, as its code and version; CHECK has no version."""
    code, _, version = rule.partition("@")
    return code, version


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def findings_by_rule(conn: Connection, scope: BoardScope) -> list[RuleFindings]:
    """Per rule (all versions together) and severity, most findings first."""
    rows = conn.execute(
        select(
            audit_findings.c.rule,
            audit_findings.c.severity,
            func.count().label("findings"),
            func.count(distinct(audit_findings.c.submission_id)).label("submissions"),
        )
        .join(submissions, submissions.c.id == audit_findings.c.submission_id)
        .where(scope.submission_filter())
        .group_by(audit_findings.c.rule, audit_findings.c.severity)
    ).all()
    # Versions of one rule are folded here, over the few grouped rows: the code is text before '@'.
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    versions: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        code, version = _code(row.rule)
        counts[(code, row.severity)][0] += row.findings
        counts[(code, row.severity)][1] += row.submissions
        if version:
            versions[(code, row.severity)].add(version)
    names = dict(
        conn.execute(
            select(audit_rules.c.code, audit_rules.c.name).where(
                audit_rules.c.code.in_({code for code, _severity in counts})
            )
        ).all()
    )
    found = [
        RuleFindings(
            rule=code,
            name=names.get(code, ""),
            severity=severity,
            versions=", ".join(sorted(versions[(code, severity)], key=lambda v: int(v[1:] or 0))),
            findings=findings,
            # A submission is audited once, by one version of each rule, so the counts per version add up.
            submissions=touched,
        )
        for (code, severity), (findings, touched) in counts.items()
    ]
    return sorted(found, key=lambda item: (-item.findings, SEVERITIES.index(item.severity), item.rule))


def findings_by_severity(conn: Connection, scope: BoardScope) -> list[SeverityFindings]:
    rows = conn.execute(
        select(
            audit_findings.c.severity,
            func.count().label("findings"),
            func.count(distinct(audit_findings.c.submission_id)).label("submissions"),
        )
        .join(submissions, submissions.c.id == audit_findings.c.submission_id)
        .where(scope.submission_filter())
        .group_by(audit_findings.c.severity)
    ).all()
    found = {row.severity: SeverityFindings(row.severity, row.findings, row.submissions) for row in rows}
    return [found.get(severity, SeverityFindings(severity, 0, 0)) for severity in SEVERITIES]


def findings_by_org(conn: Connection, scope: BoardScope) -> list[OrgFindings]:
    """Per reporting organisation, most errors first."""
    rows = conn.execute(
        select(
            organisations.c.code,
            organisations.c.name,
            func.sum(_flag(audit_findings.c.severity == "error")).label("errors"),
            func.sum(_flag(audit_findings.c.severity == "warning")).label("warnings"),
            func.count(distinct(audit_findings.c.submission_id)).label("submissions"),
        )
        .select_from(audit_findings)
        .join(submissions, submissions.c.id == audit_findings.c.submission_id)
        .join(organisations, organisations.c.id == submissions.c.org_id)
        .where(scope.submission_filter())
        .group_by(organisations.c.code, organisations.c.name)
    ).all()
    found = [
        OrgFindings(row.code, row.name, int(row.errors), int(row.warnings), row.submissions) for row in rows
    ]
    return sorted(found, key=lambda item: (-item.errors, -item.warnings, item.org))


def findings_by_month(conn: Connection, scope: BoardScope) -> list[MonthFindings]:
    """Every month of the range, with no gaps: submissions made, and the errors and warnings found in them."""
    month = month_of(conn, submissions.c.submitted_at).label("month")
    made = dict(
        conn.execute(
            select(month, func.count())
            .select_from(submissions)
            .where(scope.submission_filter())
            .group_by(month)
        ).all()
    )
    found: dict[tuple[str, str], int] = {
        (row.month, row.severity): row.n
        for row in conn.execute(
            select(month, audit_findings.c.severity, func.count().label("n"))
            .select_from(audit_findings)
            .join(submissions, submissions.c.id == audit_findings.c.submission_id)
            .where(scope.submission_filter())
            .group_by(month, audit_findings.c.severity)
        )
    }
    return [
        MonthFindings(
            month=item,
            submissions=made.get(item, 0),
            errors=found.get((item, "error"), 0),
            warnings=found.get((item, "warning"), 0),
        )
        for item in scope.months
    ]
