"""Query answers as rows for CSV, the same from the API and the command line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from citybase.facts.model import FactItem
from citybase.ledger.chain import format_timestamp

FACT_COLUMNS = (
    "indicator", "indicator_name", "region", "region_name", "period", "dims", "value", "unit", "status",
    "source", "computed", "coverage", "computed_value", "difference", "definition_version", "origin",
    "recorded_at", "fact_id", "note",
)  # fmt: skip


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return (
            repr(value) if not value.is_integer() else str(int(value)) if abs(value) < 1e15 else repr(value)
        )
    if hasattr(value, "tzinfo"):
        return format_timestamp(value)
    return value


def fact_rows(items: Iterable[FactItem]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield {column: _cell(getattr(item, column)) for column in FACT_COLUMNS}


def fact_dicts(items: Iterable[FactItem]) -> list[dict[str, Any]]:
    """The items as JSON-ready objects (numbers stay numbers), matching the API's FactPublic schema."""
    stamps: dict[Any, str | None] = {None: None}  # a batch's values share one timestamp: format it once
    found = []
    for item in items:
        moment = item.recorded_at
        if moment not in stamps:
            stamps[moment] = format_timestamp(moment)  # type: ignore[arg-type]
        found.append({**item.__dict__, "recorded_at": stamps[moment]})
    return found
