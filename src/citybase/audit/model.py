"""Audit rules and what they find, as the evaluator takes and gives them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

Key = tuple[str, str, str, str]  # (indicator code, region code, canonical period, dims)


class Severity(StrEnum):
    ERROR = "error"  # blocks the submission
    WARNING = "warning"  # needs a written explanation (说明) from the submitter


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    expression: str
    severity: Severity
    message: str = ""


@dataclass(frozen=True)
class Finding:
    """One anchor cell where a rule does not hold, with every cell the rule read and the values it saw."""

    rule: str
    severity: Severity
    key: Key
    involved: tuple[Key, ...]
    values: tuple[tuple[str, float | None], ...]
    expected: str
