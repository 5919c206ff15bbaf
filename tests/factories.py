"""Small helpers shared by tests: acting as a demo user, counting rows, building division lists."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, Table, func, select

from citybase.accounts.actor import Actor, Channel, Role
from citybase.accounts.users import actor_for, find_user
from citybase.ledger.tables import ledger_entries
from citybase.regions.loader import DivisionRow
from citybase.regions.model import Level
from citybase.storage import Database

# Passes every password rule with the default policy, and contains no demo username.
GOOD_PASSWORD = "Harbour-Lights-2024"


def actor_of(conn: Connection, username: str, role: str | None = None, via: Channel = Channel.API) -> Actor:
    """The Actor a demo user acts as, optionally narrowed to one role (as an API token would be)."""
    return actor_for(conn, find_user(conn, username), via, Role(role) if role else None)


def acting(db: Database, username: str, role: str | None = None) -> Actor:
    with db.read() as conn:
        return actor_of(conn, username, role)


def row_count(db: Database, table: Table) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def counts(db: Database, *tables: Table) -> dict[str, int]:
    """Row counts by table name, to show an operation wrote nothing."""
    return {table.name: row_count(db, table) for table in tables}


def ledger_size(db: Database) -> int:
    return row_count(db, ledger_entries)


def county(code: str, name: str, parent: str = "440300") -> DivisionRow:
    return DivisionRow(code, name, Level.COUNTY, parent)


# The nine current districts of Shenzhen (440300) as the bundled 2023 list has them.
SHENZHEN_DISTRICTS = {
    "440303": "罗湖区",
    "440304": "福田区",
    "440305": "南山区",
    "440306": "宝安区",
    "440307": "龙岗区",
    "440308": "盐田区",
    "440309": "龙华区",
    "440310": "坪山区",
    "440311": "光明区",
}


def shenzhen_edition(changes: Mapping[str, str | None] | None = None) -> list[DivisionRow]:
    """Shenzhen's districts as a division list; `changes` names a code (new or renamed) or drops it (None)."""
    names: dict[str, str | None] = {**SHENZHEN_DISTRICTS, **(changes or {})}
    return [county(code, name) for code, name in names.items() if name is not None]


def csv_rows(body: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of a CSV download (a leading byte-order mark is dropped)."""
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def as_csv_cells(item: Mapping[str, object], columns: Sequence[str]) -> dict[str, str]:
    """A JSON item as the CSV twin writes it: None as an empty cell, everything else as its text."""
    return {column: "" if item.get(column) is None else str(item[column]) for column in columns}
