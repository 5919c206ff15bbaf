"""Collection tasks (报送任务): the list and the form that creates one, and each task's board of who has
reported for a period, with its rates and a template to download per organisation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from citybase.accounts.organisations import list_organisations
from citybase.accounts.permissions import Permission, may, require
from citybase.api.csv import csv_response
from citybase.api.deps import ConnDep
from citybase.collection.tasks import (
    Board,
    Task,
    create_task,
    find_task,
    list_tasks,
    task_board,
    task_periods_of,
)
from citybase.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied, Problem
from citybase.indicators.service import list_indicators
from citybase.messages import N_, message
from citybase.web.deps import PageDep, check_csrf, redirect, session_of
from citybase.web.forms import problems_by_field
from citybase.web.routes.collection_support import (
    BOARD_STATE_LABELS,
    RECURRENCE_LABELS,
    REGION_SCOPE_LABELS,
    percent,
)
from citybase.web.templating import Page, render

router = APIRouter(prefix="/tasks")

BOARD_COLUMNS = (
    "task",
    "period",
    "deadline",
    "org",
    "org_name",
    "state",
    "state_label",
    "submission",
    "submitted_at",
    "on_time",
    "overdue",
)


def _task_list(
    page: Page, conn: ConnDep, status_code: int = 200, form: dict[str, object] | None = None, **extra: object
) -> Response:
    actor = session_of(page).actor
    can_create = may(actor, Permission.MANAGE_TASKS)
    orgs = list_organisations(conn, actor) if can_create else []
    reviewers = [org for org in orgs if actor.is_platform_admin or org.id == actor.org_id]
    values: dict[str, object] = {"errors": {}, **extra}
    return render(
        page,
        "collection/tasks.html",
        status_code=status_code,
        tasks=list_tasks(conn, actor),
        can_create=can_create,
        indicators=list_indicators(conn, actor, status="active") if can_create else [],
        orgs=orgs,
        reviewers=reviewers,
        form=form or {"reviewer_org": actor.org_code or "", "deadline_days": "15", "region_scope": "own"},
        recurrences=RECURRENCE_LABELS,
        scopes=REGION_SCOPE_LABELS,
        json_url="/api/v1/tasks",
        **values,
    )


@router.get("", include_in_schema=False)
def task_list(page: PageDep, conn: ConnDep) -> Response:
    return _task_list(page, conn)


def _deadline(text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as error:
        problem = message(N_("'{value}' is not a date (YYYY-MM-DD)"), value=text)
        raise InvalidInput(problem, problems=[Problem("invalid", problem, column="deadline")]) from error


def _days(text: str) -> int:
    try:
        return int(text.strip() or "15")
    except ValueError as error:
        problem = message(N_("'{value}' is not a whole number of days"), value=text)
        raise InvalidInput(problem, problems=[Problem("invalid", problem, column="deadline_days")]) from error


@router.post("", include_in_schema=False)
def task_create(
    page: PageDep,
    conn: ConnDep,
    code: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    indicators: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    orgs: Annotated[list[str], Form()] = [],  # noqa: B006
    first_period: Annotated[str, Form(max_length=32)] = "",
    reviewer_org: Annotated[str, Form(max_length=64)] = "",
    deadline: Annotated[str, Form(max_length=32)] = "",
    recurrence: Annotated[str, Form(max_length=16)] = "",
    deadline_days: Annotated[str, Form(max_length=8)] = "15",
    region_scope: Annotated[str, Form(max_length=16)] = "own",
    two_level: Annotated[bool, Form()] = False,
    description: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    require(actor, Permission.MANAGE_TASKS)  # before the form's contents are judged
    form: dict[str, object] = {
        "code": code.strip(),
        "name": name,
        "indicators": indicators,
        "orgs": orgs,
        "first_period": first_period.strip(),
        "reviewer_org": reviewer_org,
        "deadline": deadline,
        "recurrence": recurrence,
        "deadline_days": deadline_days,
        "region_scope": region_scope,
        "two_level": two_level,
        "description": description,
    }
    try:
        with conn.begin_nested():
            task = create_task(
                conn,
                actor,
                code=code,
                name=name,
                indicator_codes=indicators,
                org_codes=orgs,
                first_period=first_period.strip(),
                reviewer_org=reviewer_org,
                deadline=_deadline(deadline),
                recurrence=recurrence or None,
                deadline_days=_days(deadline_days),
                region_scope=region_scope,
                two_level=two_level,
                description=description.strip(),
            )
    except (InvalidInput, AlreadyExists, NotFound) as error:
        return _task_list(
            page, conn, status_code=422, form=form, errors=problems_by_field(error, page.gettext)
        )
    text = page.gettext("Task %(code)s created; its first period is open.") % {"code": task.code}
    return redirect(f"/tasks/{task.code}", page=page, flash=("success", text))


def _visible(page: Page, task: Task) -> None:
    """The board is for the organisations of the task, its reviewer, and platform administrators."""
    actor = session_of(page).actor
    if not (actor.is_platform_admin or actor.org_id in (*task.org_ids, task.reviewer_org_id)):
        raise PermissionDenied(
            message(
                N_("{actor} may not view the board of task {task}"), actor=actor.describe(), task=task.code
            )
        )


def _board_rows(board: Board, page: Page) -> list[dict[str, object]]:
    return [
        {
            "task": board.task.code,
            "period": board.period.period,
            "deadline": board.period.deadline.isoformat(),
            "org": line.org_code,
            "org_name": line.org_name,
            "state": line.state,
            "state_label": page.gettext(BOARD_STATE_LABELS[line.state]),
            "submission": line.submission_id,
            "submitted_at": line.submitted_at.isoformat() if line.submitted_at else None,
            "on_time": line.on_time,
            "overdue": line.overdue,
        }
        for line in board.lines
    ]


@router.get("/{code}", include_in_schema=False)
def task_page(
    code: str,
    page: PageDep,
    conn: ConnDep,
    period: Annotated[str, Query(max_length=32)] = "",
    format: Annotated[Literal["html", "csv"], Query()] = "html",
    bom: bool = False,
) -> Response:
    """The board (报送情况): every organisation's state for one period, 报送率 and 及时率."""
    actor = session_of(page).actor
    task = find_task(conn, code)
    _visible(page, task)
    board = task_board(conn, actor, task.code, period.strip() or None)
    if format == "csv":
        filename = f"{task.code}-{board.period.period}-board.csv"
        return csv_response(_board_rows(board, page), BOARD_COLUMNS, filename, bom=bom)
    query = {"period": board.period.period}
    submit_query = {"task": task.code, "period": board.period.period}
    return render(
        page,
        "collection/board.html",
        task=task,
        board=board,
        periods=task_periods_of(conn, task),
        completion=percent(board.completion_rate),
        timeliness=percent(board.timeliness_rate),
        state_labels=BOARD_STATE_LABELS,
        scopes=REGION_SCOPE_LABELS,
        recurrences=RECURRENCE_LABELS,
        may_submit={line.org_code: may(actor, Permission.SUBMIT_DATA, line.org_id) for line in board.lines},
        template_url=lambda org: (
            f"/api/v1/tasks/{task.code}/template.xlsx?"
            + urlencode({"org": org, "period": board.period.period})
        ),
        upload_url=lambda org: "/submit?" + urlencode({**submit_query, "org": org}),
        grid_url=lambda org: "/submit/grid?" + urlencode({**submit_query, "org": org}),
        json_url=f"/api/v1/tasks/{task.code}/board?" + urlencode(query),
        csv_url=f"/tasks/{task.code}?" + urlencode({**query, "format": "csv", "bom": "true"}),
    )
