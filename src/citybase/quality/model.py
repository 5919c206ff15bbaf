"""The data-quality board as typed records: rule violations, timeliness, conflicts and review outcomes, with
every section also available as flat rows (for CSV and tables)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from citybase.errors import InvalidInput
from citybase.facts.conflicts import Conflict
from citybase.messages import N_, message


def rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class RuleFindings:
    rule: str  # the rule's code, every version together; CHECK for values the store refuses
    name: str
    severity: str
    versions: str  # the versions that found something, e.g. "v1, v2"
    findings: int
    submissions: int


@dataclass(frozen=True)
class SeverityFindings:
    severity: str
    findings: int
    submissions: int


@dataclass(frozen=True)
class OrgFindings:
    org: str
    org_name: str
    errors: int
    warnings: int
    submissions: int  # submissions of the organisation with at least one finding


@dataclass(frozen=True)
class MonthFindings:
    month: str
    submissions: int
    errors: int
    warnings: int


@dataclass(frozen=True)
class TaskTimeliness:
    """One task period's board: how many were asked, submitted, on time and overdue."""

    task: str
    task_name: str
    period: str
    deadline: dt.date
    asked: int
    submitted: int
    on_time: int
    overdue: int
    completion_rate: float
    timeliness_rate: float


@dataclass(frozen=True)
class OrgTimeliness:
    org: str
    org_name: str
    asked: int  # task periods the organisation was asked to report for
    submitted: int
    on_time: int
    overdue: int
    completion_rate: float
    timeliness_rate: float


@dataclass(frozen=True)
class TimelinessLine:
    task: str
    period: str
    deadline: dt.date
    org: str
    org_name: str
    state: str
    submission: int | None
    submitted_at: dt.datetime | None
    on_time: bool
    overdue: bool


@dataclass(frozen=True)
class ConflictCount:
    key: str  # an indicator code or a source organisation code
    name: str
    open: int
    resolved: int


@dataclass(frozen=True)
class OrgReviews:
    org: str
    org_name: str
    submissions: int
    approved: int
    returned: int
    audit_failed: int
    pending: int  # under review, or approved by the district and waiting for the city


@dataclass(frozen=True)
class ReturnedSubmission:
    submission: int
    org: str
    org_name: str
    task: str | None
    period: str | None
    submitted_at: dt.datetime | None
    returned_at: dt.datetime | None
    returned_by: str | None
    comment: str


@dataclass(frozen=True)
class Summary:
    submissions: int
    error_findings: int
    warning_findings: int
    asked: int
    submitted: int
    on_time: int
    overdue: int
    completion_rate: float
    timeliness_rate: float
    open_conflicts: int
    resolved_conflicts: int
    approved: int
    returned: int
    audit_failed: int
    pending: int


# Each section of the board and the record its rows are made of.
SECTION_KINDS: dict[str, type] = {
    "summary": Summary,
    "findings_by_rule": RuleFindings,
    "findings_by_severity": SeverityFindings,
    "findings_by_org": OrgFindings,
    "findings_by_month": MonthFindings,
    "timeliness_by_task": TaskTimeliness,
    "timeliness_by_org": OrgTimeliness,
    "timeliness_lines": TimelinessLine,
    "conflicts_by_indicator": ConflictCount,
    "conflicts_by_org": ConflictCount,
    "oldest_conflicts": Conflict,
    "reviews_by_org": OrgReviews,
    "returns": ReturnedSubmission,
}
SECTIONS = tuple(SECTION_KINDS)


def check_section(section: str) -> str:
    """The section's name if the board has it; InvalidInput naming the known ones otherwise."""
    if section not in SECTION_KINDS:
        raise InvalidInput(
            message(
                N_("Unknown section '{section}' (known: {known})"),
                section=section,
                known=", ".join(SECTIONS),
            )
        )
    return section


def section_columns(section: str) -> list[str]:
    """A section's column names, known even when it has no rows."""
    return [field.name for field in fields(SECTION_KINDS[check_section(section)])]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


def _row(item: Any) -> dict[str, Any]:
    return {name: _plain(value) for name, value in asdict(item).items()}


@dataclass(frozen=True)
class QualityBoard:
    """The board for months `start`..`end`; `org` and `task` when it was narrowed to one of them."""

    start: str
    end: str
    org: str | None
    task: str | None
    every_org: bool
    summary: Summary
    findings_by_rule: list[RuleFindings]
    findings_by_severity: list[SeverityFindings]
    findings_by_org: list[OrgFindings]
    findings_by_month: list[MonthFindings]
    timeliness_by_task: list[TaskTimeliness]
    timeliness_by_org: list[OrgTimeliness]
    timeliness_lines: list[TimelinessLine]
    conflicts_by_indicator: list[ConflictCount]
    conflicts_by_org: list[ConflictCount]
    oldest_conflicts: list[Conflict]
    reviews_by_org: list[OrgReviews]
    returns: list[ReturnedSubmission]

    @property
    def top_rules(self) -> list[RuleFindings]:
        return self.findings_by_rule[:10]

    def rows(self, section: str) -> list[dict[str, Any]]:
        """One section as flat rows; InvalidInput for a section that does not exist."""
        if check_section(section) == "summary":
            return [_row(self.summary)]
        items: list[Any] = getattr(self, section)
        return [_row(item) for item in items]

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "org": self.org,
            "task": self.task,
            "scope": "all" if self.every_org else "own",
            "summary": _row(self.summary),
            "findings": {
                "by_rule": self.rows("findings_by_rule"),
                "by_severity": self.rows("findings_by_severity"),
                "by_org": self.rows("findings_by_org"),
                "by_month": self.rows("findings_by_month"),
                "top_rules": [_row(item) for item in self.top_rules],
            },
            "timeliness": {
                "by_task": self.rows("timeliness_by_task"),
                "by_org": self.rows("timeliness_by_org"),
                "lines": self.rows("timeliness_lines"),
            },
            "conflicts": {
                "open": self.summary.open_conflicts,
                "resolved": self.summary.resolved_conflicts,
                "by_indicator": self.rows("conflicts_by_indicator"),
                "by_org": self.rows("conflicts_by_org"),
                "oldest_open": self.rows("oldest_conflicts"),
            },
            "reviews": {"by_org": self.rows("reviews_by_org"), "returns": self.rows("returns")},
        }
