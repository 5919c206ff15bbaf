"""What the anomaly search takes and gives: the filters, each finding with its evidence, and the report."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from citybase.analysis.anomalies_series import DEFAULT_THRESHOLD
from citybase.errors import InvalidInput
from citybase.messages import N_, message

MAX_LIMIT = 10_000
DEFAULT_TOLERANCE = 1.0  # percent: a region against the sum of its sub-regions, when no rule says otherwise


class Kind(StrEnum):
    SERIES = "series"  # a value that breaks its series' pattern
    RELATION = "relation"  # values that do not add up


class Method(StrEnum):
    YOY_GROWTH = "yoy_growth"  # sub-annual: growth over the same period a year earlier
    GROWTH = "growth"  # yearly (and year-to-date): growth over the year before
    BALANCE = "balance"  # a total against its parts, from an active balance rule
    SUB_REGIONS = "sub_regions"  # a region's reported value against the sum of its sub-regions


@dataclass(frozen=True)
class AnomalyQuery:
    """Which findings to list; `threshold` is the modified z-score beyond which a value is a break,
    `tolerance` the gap (in % of the region's value) allowed between a region and its sub-regions."""

    indicators: Sequence[str] = ()
    region: str | None = None
    category: str | None = None
    kind: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    tolerance: float = DEFAULT_TOLERANCE
    as_of: dt.datetime | None = None
    limit: int = 100
    offset: int = 0

    def checked(self) -> AnomalyQuery:
        """The query, or InvalidInput naming the parameter that is wrong and what it should be."""
        if self.kind is not None and self.kind not in tuple(Kind):
            raise InvalidInput(message(N_("Kind '{kind}' must be series or relation"), kind=self.kind))
        if not (self.threshold > 0 and self.threshold < float("inf")):
            raise InvalidInput(
                message(N_("The threshold must be a positive number, not {value}"), value=self.threshold)
            )
        if not (0 <= self.tolerance < float("inf")):
            raise InvalidInput(
                message(
                    N_("The tolerance must be a percentage of zero or more, not {value}"),
                    value=self.tolerance,
                )
            )
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(message(N_("The limit must lie between 1 and {max}"), max=MAX_LIMIT))
        if self.offset < 0:
            raise InvalidInput(message(N_("The offset must be zero or more, not {value}"), value=self.offset))
        return self


@dataclass(frozen=True)
class Anomaly:
    """One finding: the value, what the series or relation implied instead, how far off, and the numbers
    the judgement used (`evidence`)."""

    kind: Kind
    method: Method
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    period: str
    dims: str
    frequency: str  # the series' shape: year, half, quarter, month, or a year-to-date range
    unit: str
    value: float
    expected: float
    low: float | None  # the range the series implied (series breaks)
    high: float | None
    score: float | None  # the modified z-score (series breaks)
    gap: float | None  # value − expected (relations)
    allowed: float | None  # the gap the relation tolerates
    severity: float  # how many times over the threshold or tolerance: the sort order
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "kind": self.kind.value, "method": self.method.value}

    def row(self) -> dict[str, Any]:
        """The finding as one CSV row: the evidence as JSON text in the last column."""
        flat = self.as_dict()
        flat["evidence"] = json.dumps(self.evidence, ensure_ascii=False, sort_keys=True)
        return flat


COLUMNS = [
    "kind", "method", "indicator", "indicator_name", "region", "region_name", "period", "dims",
    "frequency", "unit", "value", "expected", "low", "high", "score", "gap", "allowed", "severity",
    "evidence",
]  # fmt: skip


@dataclass(frozen=True)
class RuleUsed:
    code: str
    expression: str


@dataclass
class AnomalyReport:
    """A page of findings, most severe first, and what was checked to find them."""

    items: list[Anomaly]
    total: int
    query: AnomalyQuery
    values_read: int = 0
    series_checked: int = 0
    series_short: int = 0  # skipped: too few growths to judge
    relations_checked: int = 0
    relations_incomplete: int = 0  # a region whose sub-regions have not all reported: not compared
    rules: list[RuleUsed] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        query = self.query
        return {
            "items": [item.as_dict() for item in self.items],
            "total": self.total,
            "limit": query.limit,
            "offset": query.offset,
            "threshold": query.threshold,
            "tolerance": query.tolerance,
            "as_of": query.as_of.isoformat() if query.as_of else None,
            "summary": {
                "values_read": self.values_read,
                "series_checked": self.series_checked,
                "series_too_short": self.series_short,
                "relations_checked": self.relations_checked,
                "relations_incomplete": self.relations_incomplete,
                "findings": dict(self.by_kind),
                "rules": [rule.__dict__ for rule in self.rules],
            },
        }

    def rows(self) -> list[dict[str, Any]]:
        return [item.row() for item in self.items]
