"""Importing many code mappings from a CSV or Excel file, all or nothing: every bad row is reported and
nothing is written unless every row is right."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from citybase.accounts.actor import Actor
from citybase.accounts.organisations import find_organisation
from citybase.accounts.permissions import Permission, require
from citybase.collection.codemaps import Entry, check_entry, local_text, write_entries
from citybase.collection.layout import cell_text
from citybase.collection.reading import ReadLimits, read_upload
from citybase.errors import InvalidInput, Problem
from citybase.ledger import record
from citybase.messages import N_, message

FIELDS = ("kind", "local_code", "standard_code")
# Header words for each field, compared in lower case without spaces or underscores.
HEADERS = {
    "kind": ("kind", "类型", "对照类型"),
    "local_code": (
        "localcode", "local", "本单位代码或名称", "本单位代码", "本单位名称", "本地代码", "本地代码或名称",
    ),
    "standard_code": ("standardcode", "standard", "标准代码"),
}  # fmt: skip
_BY_HEADER = {word: field for field, words in HEADERS.items() for word in words}
EXPECTED = "kind, local_code, standard_code (类型, 本单位代码或名称, 标准代码)"


@dataclass(frozen=True)
class MappingImport:
    """What an import did: rows read, mappings added, changed to another standard code, already so."""

    rows: int
    added: int
    changed: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "added": self.added, "changed": self.changed, "unchanged": self.unchanged}


def _header_field(text: str) -> str | None:
    return _BY_HEADER.get(local_text(text).lower().replace(" ", "").replace("_", ""))


def read_mapping_rows(
    conn: Connection, data: bytes, filename: str, limits: ReadLimits
) -> tuple[list[Entry], list[Problem]]:
    """The entries of the file's first sheet, and every problem with its header and rows."""
    sheet = read_upload(data, filename, limits=limits)[0]
    header = [cell_text(cell) for cell in sheet.rows[0]]
    places: dict[str, int] = {}
    for index, text in enumerate(header):
        found = _header_field(text)
        if found is not None:
            places.setdefault(found, index)
    missing = [name for name in FIELDS if name not in places]
    if missing:
        return [], [
            Problem(
                "missing_column",
                message(
                    N_("The header has no {column} column: expected the columns {expected}"),
                    column=name,
                    expected=EXPECTED,
                ),
                row=sheet.first_row,
                column=name,
            )
            for name in missing
        ]
    columns = [header[places[name]] for name in FIELDS]
    entries: list[Entry] = []
    problems: list[Problem] = []
    first_row: dict[tuple[str, str], int] = {}
    for offset, cells in enumerate(sheet.rows[1:], start=1):
        kind, local, standard = (cell_text(cells[places[name]]) for name in FIELDS)
        if not any(cell_text(cell) for cell in cells):
            continue
        number = sheet.first_row + offset
        entry, wrong = check_entry(conn, kind, local, standard, columns, row=number)
        problems += wrong
        if entry is None:
            continue
        key = (entry.kind, entry.local_code)
        if key in first_row:
            problems.append(
                Problem(
                    "duplicate",
                    message(
                        N_("'{local}' is mapped already in row {first}: each local code once per kind"),
                        local=entry.local_code,
                        first=first_row[key],
                    ),
                    row=number,
                    column=columns[1],
                )
            )
            continue
        first_row[key] = number
        entries.append(entry)
    return entries, problems


def import_code_mappings(
    conn: Connection,
    actor: Actor,
    org_code: str,
    data: bytes,
    filename: str,
    *,
    limits: ReadLimits | None = None,
) -> MappingImport:
    """Add or change every mapping in the file (others are kept), or, when any row is wrong, none."""
    org = find_organisation(conn, org_code)
    require(actor, Permission.SUBMIT_DATA, org.id, org.code)
    entries, problems = read_mapping_rows(conn, data, filename, limits or ReadLimits())
    if problems:
        raise InvalidInput(
            message(
                N_("Nothing was imported from {file}: correct the rows listed and upload it again"),
                file=filename,
            ),
            problems=problems,
        )
    if not entries:
        raise InvalidInput(
            message(
                N_("The file {file} holds no code mappings: expected a header row ({expected}) and rows"),
                file=filename,
                expected=EXPECTED,
            )
        )
    written = write_entries(conn, actor, org, entries)
    result = MappingImport(len(entries), written.added, written.changed, written.unchanged)
    record(
        conn,
        actor,
        "code_mapping.imported",
        "organisation",
        org.code,
        {"file": filename, **result.as_dict(), "mappings": _triples(entries)},
    )
    return result


def _triples(entries: Sequence[Entry]) -> list[list[str]]:
    return [[entry.kind, entry.local_code, entry.standard_code] for entry in entries]
