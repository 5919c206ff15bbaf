"""Code mappings per organisation (代码对照): its own region and indicator codes or names → standard codes.

Uploads map through them on the way in (see `memory.code_map`); here they are listed, set, removed,
imported from a file all or nothing, and exported as CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import Organisation, find_organisation
from citybase.accounts.permissions import Permission, require
from citybase.collection.memory import CODE_KINDS
from citybase.collection.tables import code_mappings
from citybase.errors import InvalidInput, NotFound, Problem
from citybase.indicators.catalog import indicator_catalog
from citybase.ledger import record
from citybase.messages import N_, Message, message
from citybase.regions.codes import normalise_code
from citybase.regions.index import region_index
from citybase.storage.metadata import utcnow

LOCAL_MAX = 128
STANDARD_MAX = 64
CSV_COLUMNS = ("kind", "local_code", "standard_code", "standard_name", "updated_by", "updated_at")
# What a kind cell may say, in English or Chinese.
KIND_WORDS = {
    "region": "region",
    "地区": "region",
    "区划": "region",
    "indicator": "indicator",
    "指标": "indicator",
}


@dataclass(frozen=True)
class CodeMapping:
    """One local code or name and the standard code it stands for, with that code's standard name."""

    kind: str
    local_code: str
    standard_code: str
    standard_name: str  # "" when the standard code no longer exists
    updated_by: str
    updated_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "local_code": self.local_code,
            "standard_code": self.standard_code,
            "standard_name": self.standard_name,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class Entry:
    """A mapping as given, before it is checked against the organisation's stored ones."""

    kind: str
    local_code: str
    standard_code: str


def local_text(text: str) -> str:
    """A local code or name as stored and compared: NFKC (as upload cells are read), without outer spaces."""
    return unicodedata.normalize("NFKC", text).strip()


def _mappings(
    conn: Connection, org_id: int, kind: str | None = None, local: str | None = None
) -> list[CodeMapping]:
    query = select(code_mappings).where(code_mappings.c.org_id == org_id)
    if kind:
        query = query.where(code_mappings.c.kind == kind)
    if local is not None:
        query = query.where(code_mappings.c.local_code == local)
    index, catalog = region_index(conn), indicator_catalog(conn)

    def name_of(kind: str, code: str) -> str:
        found = index.latest(code) if kind == "region" else catalog.by_code.get(code)
        return found.name if found is not None else ""

    found = [
        CodeMapping(
            kind=row.kind,
            local_code=row.local_code,
            standard_code=row.standard_code,
            standard_name=name_of(row.kind, row.standard_code),
            updated_by=row.updated_by,
            updated_at=row.updated_at,
        )
        for row in conn.execute(query)
    ]
    # Sorted here, not in SQL, so both backends give the same order whatever their collation.
    return sorted(found, key=lambda item: (item.kind, item.local_code))


def list_code_mappings(
    conn: Connection, actor: Actor, org_code: str, kind: str | None = None
) -> list[CodeMapping]:
    """The organisation's mappings by kind and local code; seen by those who see its submissions."""
    org = find_organisation(conn, org_code)
    require(actor, Permission.VIEW_SUBMISSIONS, org.id, org.code)
    return _mappings(conn, org.id, kind)


def check_entry(
    conn: Connection, kind: str, local: str, standard: str, columns: Sequence[str], row: int | None = None
) -> tuple[Entry | None, list[Problem]]:
    """The entry in its stored form, or every problem with it; `columns` names the kind, local and
    standard fields as the input calls them."""
    problems: list[Problem] = []

    def refuse(code: str, column: str, text: Message) -> None:
        problems.append(Problem(code, text, row=row, column=column))

    found_kind = KIND_WORDS.get(local_text(kind).lower())
    if found_kind is None:
        refuse(
            "invalid_kind",
            columns[0],
            message(N_("Expected region or indicator (地区 or 指标), not '{value}'"), value=kind),
        )
    local = local_text(local)
    if not local:
        refuse("missing", columns[1], message(N_("The local code or name is empty")))
    elif len(local) > LOCAL_MAX:
        refuse(
            "too_long",
            columns[1],
            message(N_("The local code or name is longer than {limit} characters"), limit=LOCAL_MAX),
        )
    standard = local_text(standard)
    if not standard:
        refuse("missing", columns[2], message(N_("The standard code is empty")))
    elif found_kind == "region":
        try:
            standard = normalise_code(standard)
            if standard not in region_index(conn).versions:
                refuse("unknown_region", columns[2], message(N_("Unknown region code {code}"), code=standard))
        except InvalidInput as error:
            refuse("invalid", columns[2], error.message)
    elif found_kind == "indicator":
        standard = standard.upper()
        if standard not in indicator_catalog(conn).by_code:
            refuse("unknown_indicator", columns[2], message(N_("Unknown indicator {code}"), code=standard))
    if problems or found_kind is None:
        return None, problems
    return Entry(found_kind, local, standard), []


def set_code_mapping(
    conn: Connection, actor: Actor, org_code: str, kind: str, local: str, standard: str
) -> CodeMapping:
    """Record that the organisation writes `standard` as `local`; the standard code must exist."""
    org = find_organisation(conn, org_code)
    require(actor, Permission.SUBMIT_DATA, org.id, org.code)
    entry, problems = check_entry(conn, kind, local, standard, ("kind", "local_code", "standard_code"))
    if entry is None:
        raise InvalidInput(message(N_("The code mapping cannot be saved")), problems=problems)
    write_entries(conn, actor, org, [entry])
    record(
        conn,
        actor,
        "code_mapping.set",
        "organisation",
        org.code,
        {"kind": entry.kind, "local": entry.local_code, "standard": entry.standard_code},
    )
    return _one(conn, org, entry.kind, entry.local_code)


def remove_code_mapping(conn: Connection, actor: Actor, org_code: str, kind: str, local: str) -> CodeMapping:
    """Forget one mapping; uploads then read `local` as they would without it."""
    org = find_organisation(conn, org_code)
    require(actor, Permission.SUBMIT_DATA, org.id, org.code)
    if kind not in CODE_KINDS:
        raise InvalidInput(
            message(N_("Expected region or indicator (地区 or 指标), not '{value}'"), value=kind)
        )
    removed = _one(conn, org, kind, local_text(local))
    conn.execute(
        delete(code_mappings).where(
            code_mappings.c.org_id == org.id,
            code_mappings.c.kind == removed.kind,
            code_mappings.c.local_code == removed.local_code,
        )
    )
    record(
        conn,
        actor,
        "code_mapping.removed",
        "organisation",
        org.code,
        {"kind": removed.kind, "local": removed.local_code, "standard": removed.standard_code},
    )
    return removed


def _one(conn: Connection, org: Organisation, kind: str, local: str) -> CodeMapping:
    found = _mappings(conn, org.id, kind, local)
    if not found:
        raise NotFound(
            message(N_("{org} has no {kind} mapping for '{local}'"), org=org.code, kind=kind, local=local)
        )
    return found[0]


@dataclass(frozen=True)
class Written:
    added: int
    changed: int
    unchanged: int


def write_entries(conn: Connection, actor: Actor, org: Organisation, entries: Sequence[Entry]) -> Written:
    """Insert the new entries and update the changed ones, set-based; returns how many of each."""
    existing = {
        (row.kind, row.local_code): (row.id, row.standard_code)
        for row in conn.execute(
            select(
                code_mappings.c.id,
                code_mappings.c.kind,
                code_mappings.c.local_code,
                code_mappings.c.standard_code,
            ).where(code_mappings.c.org_id == org.id)
        )
    }
    now = utcnow()
    stamp = {"updated_by": actor.username, "updated_at": now}
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for entry in entries:
        known = existing.get((entry.kind, entry.local_code))
        if known is None:
            added.append({"org_id": org.id, **asdict(entry), **stamp})
        elif known[1] != entry.standard_code:
            changed.append(
                {"row_id": known[0], "new_code": entry.standard_code, "by": actor.username, "at": now}
            )
    if added:
        conn.execute(insert(code_mappings), added)
    if changed:
        conn.execute(
            update(code_mappings)
            .where(code_mappings.c.id == bindparam("row_id"))
            .values(
                standard_code=bindparam("new_code"), updated_by=bindparam("by"), updated_at=bindparam("at")
            ),
            changed,
        )
    return Written(len(added), len(changed), len(entries) - len(added) - len(changed))


def mappings_csv(mappings: Iterable[CodeMapping]) -> str:
    """The mappings as CSV text with a header row; the file can be imported again as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for item in mappings:
        values = item.as_dict()
        writer.writerow([values[column] for column in CSV_COLUMNS])
    return buffer.getvalue()
