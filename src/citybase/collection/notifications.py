"""In-app notifications to organisations, kept as a log: task opened, deadline near, returned, approved."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from citybase.accounts.actor import Actor
from citybase.collection.tables import notifications
from citybase.messages import Message
from citybase.storage.metadata import utcnow


@dataclass(frozen=True)
class Notification:
    id: int
    kind: str
    text: Message
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    def as_dict(self, translate: Any = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text.render(translate),
            "link": self.link,
            "created_at": self.created_at.isoformat(),
            "read": self.read_at is not None,
        }


def notify(conn: Connection, org_ids: list[int], kind: str, text: Message, link: str = "") -> None:
    """Tell every user of these organisations; the English template is translated when it is shown."""
    if not org_ids:
        return
    now = utcnow()
    params = json.dumps(dict(text.params), ensure_ascii=False, default=str)
    conn.execute(
        insert(notifications),
        [
            {
                "org_id": org_id,
                "kind": kind,
                "template": text.template,
                "params": params,
                "link": link,
                "created_at": now,
            }
            for org_id in sorted(set(org_ids))
        ],
    )


def list_notifications(
    conn: Connection, actor: Actor, *, unread_only: bool = False, limit: int = 100
) -> list[Notification]:
    if actor.org_id is None:
        return []
    query = (
        select(notifications)
        .where(notifications.c.org_id == actor.org_id)
        .order_by(notifications.c.id.desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(notifications.c.read_at.is_(None))
    return [
        Notification(
            row["id"],
            row["kind"],
            Message(row["template"], json.loads(row["params"])),
            row["link"],
            row["created_at"],
            row["read_at"],
        )
        for row in conn.execute(query).mappings()
    ]


def unread_count(conn: Connection, actor: Actor) -> int:
    if actor.org_id is None:
        return 0
    return int(
        conn.execute(
            select(func.count())
            .select_from(notifications)
            .where(notifications.c.org_id == actor.org_id, notifications.c.read_at.is_(None))
        ).scalar_one()
    )


def mark_read(conn: Connection, actor: Actor) -> int:
    """Mark the organisation's notifications read; returns how many were unread."""
    if actor.org_id is None:
        return 0
    result = conn.execute(
        update(notifications)
        .where(notifications.c.org_id == actor.org_id, notifications.c.read_at.is_(None))
        .values(read_at=utcnow(), read_by=actor.username)
    )
    return int(result.rowcount or 0)
