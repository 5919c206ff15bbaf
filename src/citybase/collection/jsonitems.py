"""Values sent as JSON (the API and the data-entry grid): each item located by its JSON path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from citybase.collection.cells import parse_number
from citybase.collection.extraction import Offered, RegionResolver
from citybase.errors import Problem
from citybase.messages import N_, Message, message


def offered_from_items(
    items: Sequence[Mapping[str, Any]],
    *,
    resolver: RegionResolver,
    default_period: str | None,
    org_region: str,
) -> tuple[list[Offered], list[Problem]]:
    offered: list[Offered] = []
    problems: list[Problem] = []
    for position, item in enumerate(items):
        path = f"$.items[{position}]"
        indicator = str(item.get("indicator") or "").strip()
        region_text = str(item.get("region") or org_region).strip()
        period = str(item.get("period") or default_period or "").strip()
        if not indicator:
            problems.append(_problem(f"{path}.indicator", message(N_("The indicator is missing"))))
            continue
        if not period:
            problems.append(_problem(f"{path}.period", message(N_("The period is missing"))))
            continue
        region = resolver.resolve(region_text)
        if isinstance(region, Message):
            problems.append(_problem(f"{path}.region", region))
            continue
        raw = item.get("value")
        try:
            parsed = parse_number(raw)
        except ValueError:
            problems.append(_problem(f"{path}.value", message(N_("'{text}' is not a number"), text=raw)))
            continue
        if parsed is None:
            continue
        unit = item.get("unit") or ("%" if parsed.percent else None)
        offered.append(
            Offered(
                indicator,
                region,
                period,
                str(item.get("dims") or ""),
                unit,
                parsed.value,
                str(item.get("status") or "final"),
                str(item.get("note") or ""),
                path,
            )
        )
    return offered, problems


def cumulative_paths(items: Sequence[Mapping[str, Any]], *, every: bool) -> frozenset[str]:
    """The places of the items whose values are year-to-date (年初累计): all of them, or those marked."""
    return frozenset(
        f"$.items[{position}]"
        for position, item in enumerate(items)
        if every or item.get("cumulative") is True
    )


def _problem(path: str, reason: Message) -> Problem:
    return Problem("invalid", reason, column=path)
