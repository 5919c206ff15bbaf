"""What CityBase remembers per organisation: how its sheet layouts map to indicators, and its own codes
(set and listed in collection.codemaps)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import Connection, insert, select, update

from citybase.accounts.actor import Actor
from citybase.collection.tables import code_mappings, column_mappings
from citybase.storage.metadata import utcnow

CODE_KINDS = ("region", "indicator")


def remembered_mapping(conn: Connection, org_id: int, fingerprint: str) -> dict[str, str] | None:
    text = conn.execute(
        select(column_mappings.c.mapping).where(
            column_mappings.c.org_id == org_id, column_mappings.c.fingerprint == fingerprint
        )
    ).scalar_one_or_none()
    return dict(json.loads(text)) if text else None


def remember_mapping(
    conn: Connection, actor: Actor, org_id: int, fingerprint: str, mapping: Mapping[str, str]
) -> None:
    """Keep the mapping used for this sheet layout, so the next upload of the same layout maps itself."""
    text = json.dumps(dict(mapping), ensure_ascii=False, sort_keys=True)
    now = utcnow()
    existing = conn.execute(
        select(column_mappings.c.id, column_mappings.c.mapping).where(
            column_mappings.c.org_id == org_id, column_mappings.c.fingerprint == fingerprint
        )
    ).first()
    if existing is None:
        conn.execute(
            insert(column_mappings).values(
                org_id=org_id,
                fingerprint=fingerprint,
                mapping=text,
                updated_by=actor.username,
                updated_at=now,
            )
        )
    elif existing.mapping != text:
        conn.execute(
            update(column_mappings)
            .where(column_mappings.c.id == existing.id)
            .values(mapping=text, updated_by=actor.username, updated_at=now)
        )


def code_map(conn: Connection, org_id: int) -> dict[str, dict[str, str]]:
    """The organisation's local codes and names → standard codes, by kind."""
    found: dict[str, dict[str, str]] = {kind: {} for kind in CODE_KINDS}
    rows = conn.execute(
        select(code_mappings.c.kind, code_mappings.c.local_code, code_mappings.c.standard_code).where(
            code_mappings.c.org_id == org_id
        )
    )
    for kind, local, standard in rows:
        found.setdefault(kind, {})[local] = standard
    return found
