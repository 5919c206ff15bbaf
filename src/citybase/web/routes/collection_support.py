"""What the collection and review pages share: display names of states and column roles, the uploads kept
between the preview and the confirmation, and the board's figures as text."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from citybase.errors import InvalidInput
from citybase.messages import N_, message

BOARD_STATE_LABELS = {
    "not_started": N_("Not submitted"),
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "returned": N_("Returned"),
    "approved": N_("Approved"),
}

SUBMISSION_STATUS_LABELS = {
    "draft": N_("Draft"),
    "audit_failed": N_("Audit failed"),
    "under_review": N_("Under review"),
    "district_approved": N_("Approved by the district"),
    "approved": N_("Approved"),
    "returned": N_("Returned"),
    "discarded": N_("Discarded"),
}

SEVERITY_LABELS = {"error": N_("Error"), "warning": N_("Warning")}

SUBMISSION_CHANNEL_LABELS = {
    "upload": N_("File upload"),
    "grid": N_("Data-entry grid"),
    "api": N_("API"),
    "cli": N_("Command line"),
}

# What a column of an uploaded sheet may be mapped to besides an indicator (citybase.collection.mapping.Role).
COLUMN_ROLE_LABELS = {
    "@region": N_("Region"),
    "@indicator": N_("Indicator (named in each row)"),
    "@period": N_("Period (named in each row)"),
    "@value": N_("Values (indicator named in each row)"),
    "@unit": N_("Unit"),
    "@dims": N_("Breakdown"),
    "@status": N_("Data status"),
    "@note": N_("Remarks"),
    "@ignore": N_("Ignore this column"),
}

REGION_SCOPE_LABELS = {
    "own": N_("Its own region"),
    "children": N_("The regions under it"),
    "both": N_("Its own region and those under it"),
}

RECURRENCE_LABELS = {
    "": N_("Once"),
    "year": N_("Every year"),
    "half": N_("Every half-year"),
    "quarter": N_("Every quarter"),
    "month": N_("Every month"),
}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Uploads wait on disk (not in the page) between the preview and the confirmation: a hidden field could not
# carry a file of many megabytes, and files on disk are seen by every worker process of the server.
PENDING_LIFETIME = dt.timedelta(hours=2)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


@dataclass(frozen=True)
class PendingUpload:
    token: str
    filename: str
    data: bytes


def pending_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "citybase-pending-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def keep_upload(data: bytes, filename: str, owner: str) -> str:
    """Keep an uploaded file for its owner's confirmation; returns the random token that names it."""
    folder = pending_folder()
    _forget_expired(folder)
    token = secrets.token_urlsafe(32)
    _write(folder / f"{token}.bin", data)
    _write(folder / f"{token}.json", json.dumps({"filename": filename, "owner": owner}).encode("utf-8"))
    return token


def take_upload(token: str, owner: str) -> PendingUpload:
    """The file kept under `token` for `owner`; refused when it expired or belongs to someone else."""
    folder = pending_folder()
    gone = InvalidInput(message(N_("The uploaded file has expired; choose the file again")))
    if not _TOKEN.match(token):
        raise gone
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError) as error:
        raise gone from error
    if meta.get("owner") != owner:
        raise gone
    return PendingUpload(token, str(meta.get("filename") or "upload.csv"), data)


def forget_upload(token: str) -> None:
    if _TOKEN.match(token):
        for suffix in (".bin", ".json"):
            (pending_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _forget_expired(folder: Path) -> None:
    oldest = (dt.datetime.now(dt.UTC) - PENDING_LIFETIME).timestamp()
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # another worker removed it first


def percent(rate: float) -> str:
    """A rate as the board shows it: 0.5 → "50%", 1/3 → "33.3%"."""
    text = f"{rate * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def cell_text(cell: object) -> str:
    """A cell of an uploaded sheet as the preview shows it: whole floats without ".0", dates without 00:00."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        return cell.date().isoformat()
    return str(cell)
