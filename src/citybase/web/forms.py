"""Helpers shared by the web forms."""

from __future__ import annotations

from collections.abc import Callable

from citybase.errors import CityBaseError


def problems_by_field(error: CityBaseError, translate: Callable[[str], str]) -> dict[str, list[str]]:
    """Each problem's translated text under its field name; problems without a field go under ''."""
    found: dict[str, list[str]] = {}
    for problem in error.problems:
        found.setdefault(problem.column or "", []).append(problem.render(translate))
    if not error.problems:
        found[""] = [error.render(translate)]
    return found
