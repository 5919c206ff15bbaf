"""Turning domain errors into HTTP answers: the status for each error class and the JSON body."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from citybase.errors import (
    AlreadyExists,
    AuthenticationFailed,
    CityBaseError,
    DatabaseUnavailable,
    InvalidInput,
    InvalidState,
    NotFound,
    PermissionDenied,
    Problem,
)
from citybase.i18n import translations
from citybase.messages import N_, message

log = logging.getLogger("citybase.http")

STATUS = {
    NotFound: 404,
    InvalidInput: 422,
    AlreadyExists: 409,
    InvalidState: 409,
    PermissionDenied: 403,
    AuthenticationFailed: 401,
    DatabaseUnavailable: 503,
}


def status_for(error: CityBaseError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def log_error(request: Request, error: CityBaseError, status: int) -> None:
    """Every refused request is logged in English with what was refused and why."""
    details = "; ".join(
        f"row {problem.row} column {problem.column}: {problem.render()}"
        if problem.row is not None
        else f"{problem.column or 'input'}: {problem.render()}"
        for problem in error.problems
    )
    log.warning(
        "%s %s -> %d %s: %s%s",
        request.method,
        request.url.path,
        status,
        error.code,
        error.render(),
        f" [{details}]" if details else "",
    )


def error_json(error: CityBaseError, status: int) -> JSONResponse:
    chinese = translations("zh_CN").gettext
    body = {
        "detail": error.render(),
        "detail_zh": error.render(chinese),
        "code": error.code,
        "problems": [problem.as_dict() for problem in error.problems],
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def validation_error(exc: RequestValidationError) -> InvalidInput:
    """FastAPI's own validation failures, restated as CityBase problems naming each field."""
    problems = []
    for item in exc.errors():
        location = ".".join(str(part) for part in item.get("loc", ()) if part != "body") or "request"
        problems.append(
            Problem(
                "invalid",
                message(N_("{field}: {reason}"), field=location, reason=item.get("msg", "")),
                column=location,
            )
        )
    fields = ", ".join(problem.column or "" for problem in problems)
    return InvalidInput(
        message(N_("The request is not valid: check {fields}"), fields=fields), problems=problems
    )
