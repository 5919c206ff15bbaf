"""Submissions and their states, as the collection part hands them to adapters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from citybase.messages import Message


class SubmissionStatus(StrEnum):
    DRAFT = "draft"  # saved, not yet submitted
    AUDIT_FAILED = "audit_failed"  # an error blocks it; the submitter corrects and uploads again
    UNDER_REVIEW = "under_review"
    DISTRICT_APPROVED = "district_approved"  # first of two levels done
    APPROVED = "approved"  # published to the central store; locked
    RETURNED = "returned"  # sent back with comments
    # A draft its organisation threw away: values and file gone, the row and its history kept, so its
    # number is never given to another submission (SQLite reuses the highest number of a deleted row).
    DISCARDED = "discarded"


class Channel(StrEnum):
    UPLOAD = "upload"
    GRID = "grid"
    API = "api"
    CLI = "cli"


@dataclass(frozen=True)
class AuditLine:
    """One finding of a submission's audit: a rule (or CHECK, a value the store refuses) and its place."""

    rule: str
    severity: str
    location: str
    indicator: str
    region: str
    period: str
    message: Message
    values: str
    expected: str
    involved: tuple[str, ...] = ()

    def as_dict(self, translate: Any = None) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "location": self.location,
            "indicator": self.indicator,
            "region": self.region,
            "period": self.period,
            "message": self.message.render(translate),
            "values": self.values,
            "expected": self.expected,
            "involved": list(self.involved),
        }


@dataclass(frozen=True)
class Submission:
    id: int
    org_code: str
    org_name: str
    status: SubmissionStatus
    channel: str
    filename: str
    kind: str
    period: str | None
    task_code: str | None
    task_period: str | None
    reviewer_org: str
    two_level: bool
    corrects_id: int | None
    reason: str
    explanation: str
    value_count: int
    error_count: int
    warning_count: int
    created_by: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    decided_by: str | None
    comment: str
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def deciding_org(self) -> str:
        """Who decides now: a district's own reviewers at the first of two levels, else the reviewer."""
        if self.two_level and self.status is SubmissionStatus.UNDER_REVIEW:
            return self.org_code
        return self.reviewer_org

    @property
    def blocked(self) -> bool:
        return self.error_count > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "org": self.org_code,
            "org_name": self.org_name,
            "status": self.status.value,
            "channel": self.channel,
            "filename": self.filename,
            "kind": self.kind,
            "period": self.period,
            "task": self.task_code,
            "task_period": self.task_period,
            "reviewer_org": self.reviewer_org,
            "two_level": self.two_level,
            "corrects": self.corrects_id,
            "reason": self.reason,
            "explanation": self.explanation,
            "values": self.value_count,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decided_by": self.decided_by,
            "comment": self.comment,
            "mapping": self.mapping,
        }
