"""Review (审核): the list of submissions, each one's audit report with the reviewer's decision and the
submitter's explanation, the annotated Excel file, and the notification log."""

from __future__ import annotations

import datetime as dt
import html
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import find_organisation
from citybase.accounts.permissions import Permission, may
from citybase.api.csv import csv_response
from citybase.api.deps import ConnDep
from citybase.collection.drafts import discard_draft, submit_draft
from citybase.collection.model import Submission, SubmissionStatus
from citybase.collection.notifications import list_notifications, mark_read, unread_count
from citybase.collection.report import annotated_report
from citybase.collection.store import get_submission, list_submissions, load_lines, submission_events_of
from citybase.collection.workflow import approve, explain, return_submission
from citybase.errors import InvalidInput, InvalidState
from citybase.web.deps import PageDep, check_csrf, redirect, session_of
from citybase.web.routes.collection_support import (
    COLUMN_ROLE_LABELS,
    SEVERITY_LABELS,
    SUBMISSION_CHANNEL_LABELS,
    SUBMISSION_STATUS_LABELS,
    XLSX,
)
from citybase.web.templating import Page, render

router = APIRouter()

SUBMISSION_COLUMNS = (
    "id",
    "org",
    "org_name",
    "status",
    "channel",
    "filename",
    "task",
    "task_period",
    "values",
    "errors",
    "warnings",
    "created_by",
    "created_at",
    "decided_by",
    "decided_at",
)
FINDING_COLUMNS = (
    "severity",
    "rule",
    "location",
    "indicator",
    "region",
    "period",
    "message",
    "values",
    "expected",
)
REVIEWABLE = (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.DISTRICT_APPROVED)


@router.get("/submissions", include_in_schema=False)
def submission_list(
    page: PageDep,
    conn: ConnDep,
    status: Annotated[str, Query(max_length=32)] = "",
    org: Annotated[str, Query(max_length=64)] = "",
    to_review: bool = False,
    format: Annotated[Literal["html", "csv"], Query()] = "html",
    bom: bool = False,
) -> Response:
    actor = session_of(page).actor
    status = status if status in SUBMISSION_STATUS_LABELS else ""
    found = list_submissions(conn, actor, status=status or None, org=org.strip() or None, to_review=to_review)
    if format == "csv":
        return csv_response(
            (item.as_dict() for item in found), SUBMISSION_COLUMNS, "submissions.csv", bom=bom
        )
    query = {
        key: value
        for key, value in {
            "status": status,
            "org": org.strip(),
            "to_review": "true" if to_review else "",
        }.items()
        if value
    }
    return render(
        page,
        "review/submissions.html",
        submissions=found,
        status=status,
        org=org.strip(),
        to_review=to_review,
        status_labels=SUBMISSION_STATUS_LABELS,
        channel_labels=SUBMISSION_CHANNEL_LABELS,
        json_url="/api/v1/submissions" + ("?" + urlencode(query) if query else ""),
        csv_url="/submissions?" + urlencode({**query, "format": "csv", "bom": "true"}),
    )


def _may_decide(conn: Connection, actor: Actor, submission: Submission) -> bool:
    if submission.status not in REVIEWABLE:
        return False
    return may(actor, Permission.REVIEW_SUBMISSIONS, find_organisation(conn, submission.deciding_org).id)


def _may_explain(conn: Connection, actor: Actor, submission: Submission) -> bool:
    if submission.status not in REVIEWABLE or not submission.warning_count:
        return False
    return may(actor, Permission.SUBMIT_DATA, find_organisation(conn, submission.org_code).id)


def _may_change_draft(conn: Connection, actor: Actor, submission: Submission) -> bool:
    if submission.status is not SubmissionStatus.DRAFT:
        return False
    return may(actor, Permission.SUBMIT_DATA, find_organisation(conn, submission.org_code).id)


def _submission_page(
    page: Page, conn: Connection, submission_id: int, status_code: int = 200, **extra: object
) -> Response:
    actor = session_of(page).actor
    submission = get_submission(conn, actor, submission_id)
    lines = sorted(load_lines(conn, submission_id), key=lambda line: line.severity != "error")
    values: dict[str, object] = {"errors": {}, "form": {}, **extra}
    return render(
        page,
        "review/submission.html",
        status_code=status_code,
        submission=submission,
        lines=lines,
        events=[
            {**event, "when": dt.datetime.fromisoformat(event["at"])}
            for event in submission_events_of(conn, actor, submission_id)
        ],
        status_labels=SUBMISSION_STATUS_LABELS,
        severity_labels=SEVERITY_LABELS,
        channel_labels=SUBMISSION_CHANNEL_LABELS,
        role_labels=COLUMN_ROLE_LABELS,
        can_decide=_may_decide(conn, actor, submission),
        can_explain=_may_explain(conn, actor, submission),
        can_change_draft=_may_change_draft(conn, actor, submission),
        deciding_org=submission.deciding_org,
        json_url=f"/api/v1/submissions/{submission_id}",
        csv_url=f"/submissions/{submission_id}?format=csv&bom=true",
        **values,
    )


@router.get("/submissions/{submission_id}", include_in_schema=False)
def submission_page(
    submission_id: int,
    page: PageDep,
    conn: ConnDep,
    format: Annotated[Literal["html", "csv"], Query()] = "html",
    bom: bool = False,
) -> Response:
    """The audit report (审核报告): counts, every finding with its cell, the timeline and the decisions."""
    if format == "csv":
        get_submission(conn, session_of(page).actor, submission_id)
        rows = (
            {**line.as_dict(page.gettext), "severity": line.severity}
            for line in load_lines(conn, submission_id)
        )
        return csv_response(rows, FINDING_COLUMNS, f"submission-{submission_id}-audit.csv", bom=bom)
    return _submission_page(page, conn, submission_id)


@router.get("/submissions/{submission_id}/report.xlsx", include_in_schema=False)
def submission_report(submission_id: int, page: PageDep, conn: ConnDep) -> Response:
    """The submitter's own file with the offending cells highlighted and commented, in the page's language."""
    content = annotated_report(conn, session_of(page).actor, submission_id, translate=page.gettext)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="submission-{submission_id}-audit.xlsx"'},
    )


@router.post("/submissions/{submission_id}/{action}", include_in_schema=False)
def submission_decide(
    submission_id: int,
    action: Literal["approve", "return", "explain", "submit", "discard"],
    page: PageDep,
    conn: ConnDep,
    comment: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Approve (publishes at the last level), return with a comment, or explain the warnings (说明); for a
    draft, submit it or discard it."""
    check_csrf(page, csrf_token)
    actor = session_of(page).actor
    if action in ("submit", "discard"):
        return _draft_action(page, conn, submission_id, action)
    try:
        with conn.begin_nested():
            if action == "approve":
                decided = approve(conn, actor, submission_id, comment.strip())
            elif action == "return":
                decided = return_submission(conn, actor, submission_id, comment)
            else:
                decided = explain(conn, actor, submission_id, comment)
    except InvalidInput as error:
        return _submission_page(
            page,
            conn,
            submission_id,
            status_code=422,
            errors={action: error.render(page.gettext)},
            form={action: comment},
        )
    texts = {
        "approve": page.gettext("Submission #%(id)s: %(status)s."),
        "return": page.gettext("Submission #%(id)s was returned to %(org)s."),
        "explain": page.gettext("Your explanation of submission #%(id)s was saved."),
    }
    text = texts[action] % {
        "id": decided.id,
        "status": page.gettext(SUBMISSION_STATUS_LABELS[decided.status.value]),
        "org": decided.org_name,
    }
    return redirect(f"/submissions/{decided.id}", page=page, flash=("success", text))


def _draft_action(page: Page, conn: Connection, submission_id: int, action: str) -> Response:
    actor = session_of(page).actor
    try:
        with conn.begin_nested():
            if action == "discard":
                discarded = discard_draft(conn, actor, submission_id)
                text = page.gettext("Draft #%(id)s was discarded.") % {"id": discarded.id}
                return redirect("/submissions", page=page, flash=("success", text))
            submitted = submit_draft(conn, actor, submission_id).submission
    except (InvalidInput, InvalidState) as error:
        return _submission_page(
            page, conn, submission_id, status_code=409, errors={"draft": error.render(page.gettext)}
        )
    if submitted.status is SubmissionStatus.AUDIT_FAILED:
        text = page.ngettext(
            "Submission #%(id)s failed the audit with %(num)s error; correct it and submit again.",
            "Submission #%(id)s failed the audit with %(num)s errors; correct them and submit again.",
            submitted.error_count,
        ) % {"id": submitted.id, "num": submitted.error_count}
        return redirect(f"/submissions/{submitted.id}", page=page, flash=("error", text))
    text = page.gettext("Submission #%(id)s is waiting for review.") % {"id": submitted.id}
    return redirect(f"/submissions/{submitted.id}", page=page, flash=("success", text))


# ---- notifications -----------------------------------------------------------------------------------------


@router.get("/notifications", include_in_schema=False)
def notification_log(page: PageDep, conn: ConnDep) -> Response:
    actor = session_of(page).actor
    return render(
        page,
        "review/notifications.html",
        notifications=list_notifications(conn, actor),
        unread=unread_count(conn, actor),
        json_url="/api/v1/notifications",
    )


@router.get("/notifications/badge", include_in_schema=False)
def notification_badge(page: PageDep, conn: ConnDep) -> Response:
    """The number of unread notifications, for the navigation bar to load after the page."""
    count = unread_count(conn, session_of(page).actor)
    if not count:
        return HTMLResponse("")
    title = page.ngettext("%(num)s unread notification", "%(num)s unread notifications", count) % {
        "num": count
    }
    return HTMLResponse(
        f'<span class="nav-count" id="unread-count" title="{html.escape(title)}">{count}</span>'
    )


@router.post("/notifications/read", include_in_schema=False)
def notifications_read(page: PageDep, conn: ConnDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(page, csrf_token)
    marked = mark_read(conn, session_of(page).actor)
    text = page.ngettext("%(num)s notification marked read.", "%(num)s notifications marked read.", marked)
    return redirect("/notifications", page=page, flash=("success", text % {"num": marked}))
