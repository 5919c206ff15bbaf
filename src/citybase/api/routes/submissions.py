"""Submissions through the API: files (.xlsx, .csv, SDMX-CSV), JSON batches idempotent by a client key, audit
reports, and the review decisions."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from citybase.api.deps import ActorDep, ConnDep, SettingsDep
from citybase.collection.drafts import discard_draft, submit_draft
from citybase.collection.intake import IntakeResult, submit_items, submit_upload
from citybase.collection.model import AuditLine, Channel
from citybase.collection.reading import ReadLimits
from citybase.collection.report import annotated_report
from citybase.collection.store import get_submission, list_submissions, load_lines, submission_events_of
from citybase.collection.workflow import approve, explain, return_submission
from citybase.errors import InvalidInput
from citybase.i18n import translations
from citybase.messages import N_, message
from citybase.settings import Settings

router = APIRouter(prefix="/submissions", tags=["submissions"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SubmissionItem(BaseModel):
    indicator: str
    region: str | None = None
    period: str | None = None
    value: float | str | None
    unit: str | None = None
    dims: str = ""
    status: str = "final"
    note: str = ""
    cumulative: bool = Field(
        default=False, description="The value is year-to-date (年初累计): 2024Q3 means January to September."
    )


class SubmissionBatch(BaseModel):
    org: str
    client_key: str | None = Field(
        default=None, max_length=128, description="Idempotency key chosen by the caller."
    )
    task: str | None = None
    period: str | None = None
    explanation: str = ""
    corrects: int | None = None
    reason: str = ""
    draft: bool = Field(default=False, description="Keep as a draft: checked, not audited, not submitted.")
    cumulative: bool = Field(default=False, description="Every value is year-to-date (年初累计).")
    items: list[SubmissionItem] = Field(max_length=200_000)


class Decision(BaseModel):
    comment: str = ""


class Explanation(BaseModel):
    explanation: str


def lines_json(lines: list[AuditLine]) -> list[dict[str, Any]]:
    chinese = translations("zh_CN").gettext
    return [{**line.as_dict(), "message_zh": line.message.render(chinese)} for line in lines]


def result_json(result: IntakeResult) -> dict[str, Any]:
    return {**result.submission.as_dict(), "audit": lines_json(result.lines)}


def limits_of(settings: Settings) -> ReadLimits:
    return ReadLimits(max_bytes=settings.upload_max_mb * 1024 * 1024, max_rows=settings.upload_max_rows)


def read_capped(upload: UploadFile, limit: int) -> bytes:
    """Read an upload, refusing it as soon as it passes the limit rather than after reading it all."""
    chunks: list[bytes] = []
    size = 0
    while chunk := upload.file.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise InvalidInput(
                message(
                    N_("The file is larger than the limit of {limit} MB"),
                    limit=limit // (1024 * 1024),
                )
            )
        chunks.append(chunk)
    return b"".join(chunks)


def refuse_oversized(request: Request, settings: Settings) -> None:
    declared = request.headers.get("content-length")
    limit = settings.upload_max_mb * 1024 * 1024
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise InvalidInput(
            message(N_("The file is larger than the limit of {limit} MB"), limit=settings.upload_max_mb)
        )


@router.get("")
def list_all(
    conn: ConnDep,
    actor: ActorDep,
    status: str | None = None,
    org: str | None = None,
    to_review: Annotated[
        bool, Query(description="Only those waiting for my organisation's decision.")
    ] = False,
) -> dict[str, Any]:
    found = list_submissions(conn, actor, status=status, org=org, to_review=to_review)
    return {"items": [item.as_dict() for item in found]}


@router.post("", status_code=201)
def submit_batch(body: SubmissionBatch, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """Submit values as JSON, or keep them as a draft; a repeated request with the same client_key returns
    the first submission."""
    result = submit_items(
        conn,
        actor,
        [item.model_dump() for item in body.items],
        org_code=body.org,
        channel=Channel.API,
        client_key=body.client_key,
        task=body.task,
        period=body.period,
        explanation=body.explanation,
        corrects=body.corrects,
        reason=body.reason,
        cumulative=body.cumulative,
        draft=body.draft,
    )
    return result_json(result)


@router.post("/upload", status_code=201)
def upload(
    request: Request,
    settings: SettingsDep,
    conn: ConnDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description=".xlsx, .csv or SDMX-CSV")],
    org: Annotated[str, Form()],
    period: Annotated[str | None, Form()] = None,
    task: Annotated[str | None, Form()] = None,
    mapping: Annotated[str | None, Form(description='JSON {"header or column letter": "CODE"}')] = None,
    explanation: Annotated[str, Form()] = "",
    draft: Annotated[bool, Form(description="Keep as a draft, not submitted.")] = False,
    cumulative: Annotated[bool, Form(description="Every value is year-to-date (年初累计).")] = False,
) -> dict[str, Any]:
    """Upload a file as a department would; it is mapped, checked and audited, and waits for review (or is
    kept as a draft)."""
    refuse_oversized(request, settings)
    data = read_capped(file, settings.upload_max_mb * 1024 * 1024)
    result = submit_upload(
        conn,
        actor,
        data,
        file.filename or "upload.csv",
        org_code=org,
        period=period or None,
        task=task or None,
        given=_given_mapping(mapping),
        limits=limits_of(settings),
        explanation=explanation,
        cumulative=cumulative,
        draft=draft,
    )
    return result_json(result)


def _given_mapping(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    try:
        found = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            message(N_("The mapping is not valid JSON: {reason}"), reason=str(error))
        ) from error
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        raise InvalidInput(message(N_("The mapping must be a JSON object of header to indicator code")))
    return {str(key): value for key, value in found.items()}


@router.get("/{submission_id}")
def read(submission_id: int, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    submission = get_submission(conn, actor, submission_id)
    return {
        **submission.as_dict(),
        "audit": lines_json(load_lines(conn, submission_id)),
        "events": submission_events_of(conn, actor, submission_id),
    }


@router.delete("/{submission_id}")
def discard(submission_id: int, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """Discard a draft with its values (409 for anything already submitted)."""
    draft = discard_draft(conn, actor, submission_id)
    return {"id": draft.id, "org": draft.org_code, "status": "discarded"}


@router.post("/{submission_id}/submit")
def submit_one(submission_id: int, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    """Submit a draft under its number: it is audited and waits for review, or fails the audit."""
    return result_json(submit_draft(conn, actor, submission_id))


@router.get("/{submission_id}/report.xlsx")
def report(submission_id: int, conn: ConnDep, actor: ActorDep) -> Response:
    content = annotated_report(conn, actor, submission_id, translate=translations("zh_CN").gettext)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="submission-{submission_id}-audit.xlsx"'},
    )


@router.post("/{submission_id}/approve")
def approve_one(submission_id: int, body: Decision, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    return approve(conn, actor, submission_id, body.comment).as_dict()


@router.post("/{submission_id}/return")
def return_one(submission_id: int, body: Decision, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    return return_submission(conn, actor, submission_id, body.comment).as_dict()


@router.post("/{submission_id}/explain")
def explain_one(submission_id: int, body: Explanation, conn: ConnDep, actor: ActorDep) -> dict[str, Any]:
    return explain(conn, actor, submission_id, body.explanation).as_dict()
