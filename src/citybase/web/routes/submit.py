"""Submitting data from the browser: a file through a preview of how its columns were understood and a
confirmation, or a small grid of values typed or pasted from Excel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import Organisation, get_organisation, list_organisations
from citybase.api.deps import ConnDep, SettingsDep
from citybase.api.routes.submissions import limits_of, read_capped, refuse_oversized
from citybase.collection.cells import parse_number
from citybase.collection.drafts import DraftItems, discard_draft, grid_draft
from citybase.collection.intake import IntakeResult, SheetPlan, read_intake, submit_items, submit_upload
from citybase.collection.layout import HeaderColumn
from citybase.collection.mapping import PERIOD_PREFIX, ColumnMapping
from citybase.collection.model import Channel, SubmissionStatus
from citybase.collection.tasks import Task, find_task, list_tasks, task_periods_of
from citybase.errors import CityBaseError, InvalidInput, InvalidState, NotFound
from citybase.indicators.model import Indicator
from citybase.indicators.service import list_indicators
from citybase.regions.model import Region
from citybase.regions.service import children, get_region
from citybase.web.deps import PageDep, check_csrf, redirect, session_of
from citybase.web.routes.collection_support import (
    COLUMN_ROLE_LABELS,
    cell_text,
    forget_upload,
    keep_upload,
    take_upload,
)
from citybase.web.templating import Page, render

router = APIRouter(prefix="/submit")
PREVIEW_ROWS = 10
SHOWN_PROBLEMS = 200


def _choices(conn: Connection, actor: Actor) -> tuple[list[Organisation], list[Task]]:
    """The organisations the actor may submit for (only its own unless a platform admin) and the tasks."""
    orgs = list_organisations(conn, actor)
    if not actor.is_platform_admin:
        orgs = [org for org in orgs if org.id == actor.org_id]
    return orgs, list_tasks(conn, actor)


def _task_period(conn: Connection, task: str) -> str:
    """The latest open period of a task, the one a submission answers unless another is named."""
    if not task.strip():
        return ""
    opened = task_periods_of(conn, find_task(conn, task))
    return opened[0].period if opened else ""


def _upload_page(
    page: Page,
    conn: Connection,
    form: dict[str, str],
    status_code: int = 200,
    error: CityBaseError | None = None,
) -> Response:
    actor = session_of(page).actor
    orgs, tasks = _choices(conn, actor)
    return render(
        page,
        "collection/submit.html",
        status_code=status_code,
        orgs=orgs,
        tasks=tasks,
        form={"org": actor.org_code or "", **{key: value for key, value in form.items() if value}},
        error=error.render(page.gettext) if error else None,
        problems=[(problem.column or "", problem.render(page.gettext)) for problem in error.problems]
        if error
        else [],
    )


@router.get("", include_in_schema=False)
def upload_page(
    page: PageDep,
    conn: ConnDep,
    org: Annotated[str, Query(max_length=64)] = "",
    task: Annotated[str, Query(max_length=64)] = "",
    period: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    return _upload_page(page, conn, {"org": org, "task": task, "period": period})


@dataclass(frozen=True)
class SheetView:
    """One sheet of the preview: its columns with their mapping, and its first data rows as text."""

    plan: SheetPlan
    columns: list[tuple[HeaderColumn, ColumnMapping]]
    rows: list[tuple[int, list[str]]]
    hidden_rows: int


def _sheet_view(plan: SheetPlan) -> SheetView:
    layout = plan.layout
    shown = layout.rows[:PREVIEW_ROWS]
    return SheetView(
        plan=plan,
        columns=list(zip(layout.columns, plan.mapping, strict=False)),
        rows=[
            (row.number, [cell_text(row.cells[column.index]) for column in layout.columns]) for row in shown
        ],
        hidden_rows=max(0, len(layout.rows) - len(shown)),
    )


def _target_label(page: Page, target: str) -> str:
    if target.startswith(PERIOD_PREFIX):
        return page.gettext("Values of the period %(period)s") % {"period": target[len(PERIOD_PREFIX) :]}
    return page.gettext(COLUMN_ROLE_LABELS[target]) if target in COLUMN_ROLE_LABELS else target


@router.post("/preview", include_in_schema=False)
def upload_preview(
    request: Request,
    page: PageDep,
    conn: ConnDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    org: Annotated[str, Form(max_length=64)] = "",
    task: Annotated[str, Form(max_length=64)] = "",
    period: Annotated[str, Form(max_length=32)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Read and map the file without keeping a submission; show what was understood, column by column."""
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    form = {"org": org, "task": task, "period": period.strip()}
    filename = file.filename or "upload.csv"
    try:
        refuse_oversized(request, settings)
        data = read_capped(file, settings.upload_max_mb * 1024 * 1024)
        intake = read_intake(
            conn,
            actor,
            data,
            filename,
            org_code=org,
            period=period.strip() or _task_period(conn, task) or None,
            limits=limits_of(settings),
        )
    except (InvalidInput, NotFound) as error:
        return _upload_page(page, conn, form, status_code=422, error=error)
    token = keep_upload(data, filename, actor.username)
    role_options = [(target, page.gettext(text)) for target, text in COLUMN_ROLE_LABELS.items()]
    indicators = list_indicators(conn, actor)
    return render(
        page,
        "collection/preview.html",
        form=form,
        org=intake.org,
        filename=filename,
        token=token,
        sheets=[_sheet_view(plan) for plan in intake.sheets],
        value_count=len(intake.offered),
        problems=[(problem.column or "", problem.render(page.gettext)) for problem in intake.problems],
        shown_problems=SHOWN_PROBLEMS,
        role_options=role_options,
        indicator_options=[(item.code, f"{item.code} · {item.name}") for item in indicators],
        known_targets={target for target, _text in role_options} | {item.code for item in indicators},
        target_label=lambda target: _target_label(page, target),
    )


def _submitted(page: Page, result: IntakeResult, url: str | None = None) -> Response:
    submission = result.submission
    if submission.status is SubmissionStatus.DRAFT:
        text = page.gettext("Draft #%(id)s is saved; nothing has been submitted yet.") % {"id": submission.id}
        return redirect(url or f"/submissions/{submission.id}", page=page, flash=("success", text))
    if submission.status is SubmissionStatus.AUDIT_FAILED:
        text = page.ngettext(
            "Submission #%(id)s failed the audit with %(num)s error; correct it and submit again.",
            "Submission #%(id)s failed the audit with %(num)s errors; correct them and submit again.",
            submission.error_count,
        ) % {"id": submission.id, "num": submission.error_count}
        flash = ("error", text)
    else:
        flash = ("success", page.gettext("Submission #%(id)s is waiting for review.") % {"id": submission.id})
    return redirect(f"/submissions/{submission.id}", page=page, flash=flash)


@router.post("/confirm", include_in_schema=False)
def upload_confirm(
    page: PageDep,
    conn: ConnDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=64)] = "",
    org: Annotated[str, Form(max_length=64)] = "",
    task: Annotated[str, Form(max_length=64)] = "",
    period: Annotated[str, Form(max_length=32)] = "",
    explanation: Annotated[str, Form(max_length=4000)] = "",
    header: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    detected: Annotated[list[str], Form()] = [],  # noqa: B006
    target: Annotated[list[str], Form()] = [],  # noqa: B006
    cumulative: Annotated[list[str], Form()] = [],  # noqa: B006
    action: Annotated[Literal["submit", "draft"], Form()] = "submit",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Submit the previewed file with the mapping as chosen on the page (kept for the next file like it), or
    keep it as a draft; `cumulative` names the columns ("Sheet!C") whose values are year-to-date."""
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    form = {"org": org, "task": task, "period": period.strip()}
    # Only the columns changed on the page are given: the others keep how they were found, so a column of
    # numbers left unmapped is still refused rather than silently dropped.
    given = {
        name: chosen
        for name, found, chosen in zip(header, detected, target, strict=False)
        if name and chosen and chosen != found
    }
    try:
        pending = take_upload(token, actor.username)
        with conn.begin_nested():
            result = submit_upload(
                conn,
                actor,
                pending.data,
                pending.filename,
                org_code=org,
                period=period.strip() or None,
                task=task or None,
                given=given or None,
                limits=limits_of(settings),
                explanation=explanation.strip(),
                cumulative_columns=cumulative,
                draft=action == "draft",
            )
    except (InvalidInput, NotFound) as error:
        return _upload_page(page, conn, form, status_code=422, error=error)
    forget_upload(token)
    return _submitted(page, result)


# ---- the data-entry grid -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    org: Organisation
    regions: list[Region]
    indicators: list[Indicator]
    period: str


def _grid(conn: Connection, actor: Actor, org_code: str, task: str, period: str, codes: list[str]) -> Grid:
    org = get_organisation(conn, actor, org_code or actor.org_code or "")
    chosen = list(find_task(conn, task).indicators) if task else codes
    catalog = {item.code: item for item in list_indicators(conn, actor)}
    home = get_region(conn, actor, org.region_code)
    return Grid(
        org=org,
        regions=[home, *children(conn, actor, home.code)],
        indicators=[catalog[code] for code in dict.fromkeys(chosen) if code in catalog],
        period=period or _task_period(conn, task),
    )


def _grid_page(
    page: Page,
    conn: Connection,
    grid: Grid,
    form: dict[str, str],
    status_code: int = 200,
    values: dict[str, str] | None = None,
    cell_errors: dict[str, str] | None = None,
    error: str | None = None,
    draft: DraftItems | None = None,
) -> Response:
    actor = session_of(page).actor
    orgs, tasks = _choices(conn, actor)
    return render(
        page,
        "collection/grid.html",
        status_code=status_code,
        grid=grid,
        orgs=orgs,
        tasks=tasks,
        all_indicators=list_indicators(conn, actor, status="active"),
        chosen={item.code for item in grid.indicators},
        form=form,
        values=values or {},
        cell_errors=cell_errors or {},
        error=error,
        draft=draft.submission if draft else None,
    )


def _draft_of(conn: Connection, actor: Actor, grid: Grid, task: str) -> DraftItems | None:
    """The organisation's grid draft for the grid's task and period, if it has one."""
    if not grid.period:
        return None
    try:
        return grid_draft(conn, actor, grid.org, task or None, grid.period)
    except InvalidInput:
        return None  # the task is not open for the period typed; the grid says so when submitted


def _draft_cells(page: Page, draft: DraftItems) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """The draft's values by grid cell ("region:CODE"), its findings by cell, and its indicators."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for position, item in enumerate(draft.items):
        name = f"{item.get('region', '')}:{item.get('indicator', '')}"
        values[name] = "" if item.get("value") is None else str(item["value"])
        found = draft.findings.get(position)
        if found:
            errors[name] = "; ".join(line.message.render(page.gettext) for line in found)
    codes = [str(item.get("indicator", "")) for item in draft.items]
    return values, errors, list(dict.fromkeys(codes))


def _grid_url(grid: Grid, task: str) -> str:
    query: list[tuple[str, str]] = [("org", grid.org.code), ("task", task), ("period", grid.period)]
    if not task:
        query += [("indicator", item.code) for item in grid.indicators]
    return "/submit/grid?" + urlencode(query)


@router.get("/grid", include_in_schema=False)
def grid_page(
    page: PageDep,
    conn: ConnDep,
    org: Annotated[str, Query(max_length=64)] = "",
    task: Annotated[str, Query(max_length=64)] = "",
    period: Annotated[str, Query(max_length=32)] = "",
    indicator: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
) -> Response:
    """Rows are the organisation's region and the regions under it; columns the chosen indicators. A draft
    saved for the same task (or period) is loaded, so the user continues where they stopped."""
    actor = session_of(page).actor
    codes = [code.strip().upper() for code in indicator]
    grid = _grid(conn, actor, org, task, period.strip(), codes)
    draft = _draft_of(conn, actor, grid, task)
    values: dict[str, str] = {}
    cell_errors: dict[str, str] = {}
    if draft is not None:
        values, cell_errors, draft_codes = _draft_cells(page, draft)
        if not task and not codes:
            grid = _grid(conn, actor, org, task, grid.period, draft_codes)
    form = {"task": task, "period": grid.period, "explanation": draft.submission.explanation if draft else ""}
    return _grid_page(page, conn, grid, form, values=values, cell_errors=cell_errors, draft=draft)


@router.post("/grid", include_in_schema=False)
def grid_submit(
    page: PageDep,
    conn: ConnDep,
    org: Annotated[str, Form(max_length=64)] = "",
    task: Annotated[str, Form(max_length=64)] = "",
    period: Annotated[str, Form(max_length=32)] = "",
    explanation: Annotated[str, Form(max_length=4000)] = "",
    indicator: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    key: Annotated[list[str], Form()] = [],  # noqa: B006
    value: Annotated[list[str], Form()] = [],  # noqa: B006
    action: Annotated[Literal["submit", "draft"], Form()] = "submit",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Submit the grid for review, or save it as a draft (cells that are not numbers are kept, and marked)."""
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    grid = _grid(conn, actor, org, task, period.strip(), indicator)
    form = {"task": task, "period": period.strip(), "explanation": explanation}
    typed = {name: text.strip() for name, text in zip(key, value, strict=False) if text.strip()}
    units = {item.code: item.unit for item in grid.indicators}
    items: list[dict[str, object]] = []
    cell_errors: dict[str, str] = {}
    for name, text in typed.items():
        region, _sep, code = name.partition(":")
        try:
            parse_number(text)
        except ValueError:
            cell_errors[name] = page.gettext("'%(text)s' is not a number") % {"text": text}
        items.append(
            {
                "indicator": code,
                "region": region,
                "period": grid.period,
                "value": text,
                "unit": units.get(code),
            }
        )
    draft = action == "draft"
    problem = (
        page.gettext("Correct the cells marked in red.")
        if cell_errors and not draft
        else page.gettext("Enter at least one value.")
        if not items
        else page.gettext("Name the period of the values.")
        if not grid.period
        else None
    )
    kept = _draft_of(conn, actor, grid, task)
    if problem:
        return _grid_page(page, conn, grid, form, 422, typed, cell_errors, problem, draft=kept)
    try:
        with conn.begin_nested():
            result = submit_items(
                conn,
                actor,
                items,
                org_code=grid.org.code,
                channel=Channel.GRID,
                task=task or None,
                period=grid.period or None,
                explanation=explanation.strip(),
                draft=draft,
                draft_id=kept.submission.id if kept else None,
            )
    except (InvalidInput, InvalidState, NotFound) as error:
        return _grid_page(page, conn, grid, form, 422, typed, error=error.render(page.gettext), draft=kept)
    return _submitted(page, result, _grid_url(grid, task) if draft else None)


@router.post("/grid/discard", include_in_schema=False)
def grid_discard(
    page: PageDep,
    conn: ConnDep,
    draft: Annotated[int, Form()],
    org: Annotated[str, Form(max_length=64)] = "",
    task: Annotated[str, Form(max_length=64)] = "",
    period: Annotated[str, Form(max_length=32)] = "",
    indicator: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Discard the grid's draft with its values; the grid is shown again, empty."""
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    grid = _grid(conn, actor, org, task, period.strip(), indicator)
    discarded = discard_draft(conn, actor, draft)
    text = page.gettext("Draft #%(id)s was discarded.") % {"id": discarded.id}
    return redirect(_grid_url(grid, task), page=page, flash=("success", text))
