"""Errors raised by domain code; each adapter maps the class to its own form (HTTP status, exit code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from citybase.messages import Message, Translate


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is (row, column or field) and what was expected."""

    code: str
    message: Message
    row: int | None = None
    column: str | None = None

    def render(self, translate: Translate | None = None) -> str:
        return self.message.render(translate)

    def as_dict(self, translate: Translate | None = None) -> dict[str, Any]:
        return {
            "code": self.code,
            "row": self.row,
            "column": self.column,
            "message": self.render(translate),
        }


class CityBaseError(Exception):
    """Base of every expected failure; carries a translatable message and a stable code."""

    code = "error"

    def __init__(self, message: Message, *, problems: list[Problem] | None = None) -> None:
        super().__init__(message.render())
        self.message = message
        self.problems = problems or []

    def render(self, translate: Translate | None = None) -> str:
        return self.message.render(translate)


class NotFound(CityBaseError):
    code = "not_found"


class InvalidInput(CityBaseError):
    code = "invalid_input"


class AlreadyExists(CityBaseError):
    code = "already_exists"


class InvalidState(CityBaseError):
    """The object exists but its state does not allow this (submitting or discarding what is not a draft)."""

    code = "invalid_state"


class PermissionDenied(CityBaseError):
    code = "permission_denied"


class AuthenticationFailed(CityBaseError):
    code = "authentication_failed"


class DatabaseUnavailable(CityBaseError):
    code = "database_unavailable"
