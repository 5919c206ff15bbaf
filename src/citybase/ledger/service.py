"""Appending to the chain in the caller's transaction, listing entries, and verifying the whole chain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from citybase.accounts.actor import Actor
from citybase.accounts.permissions import Permission, Scope, require, scope_of
from citybase.ledger.chain import (
    GENESIS_HASH,
    LedgerRecord,
    canonical_json,
    format_timestamp,
    parse_timestamp,
    sha256_hex,
)
from citybase.ledger.tables import ledger_entries, ledger_head
from citybase.messages import N_, Message, message
from citybase.storage.metadata import utcnow

VERIFY_BATCH = 5000


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    recorded_at: dt.datetime
    actor: str
    actor_org: str | None
    via: str
    action: str
    object_type: str
    object_key: str
    detail: dict[str, Any]
    detail_digest: str
    prev_hash: str
    entry_hash: str


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    object_type: str,
    object_key: str,
    detail: Mapping[Any, Any] | None = None,
) -> int:
    """Append one entry for a change made in `conn`'s transaction; returns its sequence number.

    The head row is locked first (FOR UPDATE on PostgreSQL; SQLite's write transaction already holds
    the database lock), so concurrent writers queue here instead of forking the chain.
    """
    # The migration creates the head row (entry 0, the genesis hash), so there is always a row to lock.
    head = conn.execute(
        select(ledger_head.c.seq, ledger_head.c.entry_hash).where(ledger_head.c.id == 1).with_for_update()
    ).one()
    prev_seq, prev_hash = head.seq, head.entry_hash
    detail_text = canonical_json(dict(detail or {}))
    entry = LedgerRecord(
        seq=prev_seq + 1,
        recorded_at=utcnow(),
        actor=actor.username,
        actor_org=actor.org_code,
        via=str(actor.via),
        action=action,
        object_type=object_type,
        object_key=str(object_key),
        detail_digest=sha256_hex(detail_text),
        prev_hash=prev_hash,
    )
    entry_hash = entry.entry_hash()
    conn.execute(
        insert(ledger_entries).values(
            seq=entry.seq,
            recorded_at=entry.recorded_at,
            actor=entry.actor,
            actor_org=entry.actor_org,
            via=entry.via,
            action=entry.action,
            object_type=entry.object_type,
            object_key=entry.object_key,
            detail=detail_text,
            detail_digest=entry.detail_digest,
            prev_hash=entry.prev_hash,
            entry_hash=entry_hash,
        )
    )
    conn.execute(
        update(ledger_head).where(ledger_head.c.id == 1).values(seq=entry.seq, entry_hash=entry_hash)
    )
    return entry.seq


@dataclass(frozen=True)
class LedgerFilter:
    actor: str | None = None
    org: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_key: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _filtered(actor: Actor, filters: LedgerFilter) -> Any:
    require(actor, Permission.VIEW_LEDGER)
    conditions = []
    if scope_of(actor, Permission.VIEW_LEDGER) is Scope.OWN_ORG:
        conditions.append(ledger_entries.c.actor_org == actor.org_code)
    if filters.actor:
        conditions.append(ledger_entries.c.actor == filters.actor)
    if filters.org:
        conditions.append(ledger_entries.c.actor_org == filters.org)
    if filters.action:
        conditions.append(ledger_entries.c.action.startswith(filters.action, autoescape=True))
    if filters.object_type:
        conditions.append(ledger_entries.c.object_type == filters.object_type)
    if filters.object_key:
        conditions.append(ledger_entries.c.object_key == filters.object_key)
    if filters.since:
        conditions.append(ledger_entries.c.recorded_at >= filters.since)
    if filters.until:
        conditions.append(ledger_entries.c.recorded_at < filters.until)
    return conditions


def list_entries(
    conn: Connection, actor: Actor, filters: LedgerFilter, *, limit: int = 50, before_seq: int | None = None
) -> list[LedgerEntry]:
    """Newest first; `before_seq` pages backwards. Non-platform admins see their own organisation's."""
    conditions = _filtered(actor, filters)
    if before_seq is not None:
        conditions.append(ledger_entries.c.seq < before_seq)
    rows = conn.execute(
        select(ledger_entries).where(*conditions).order_by(ledger_entries.c.seq.desc()).limit(limit)
    )
    return [_entry(row._mapping) for row in rows]


def count_entries(conn: Connection, actor: Actor, filters: LedgerFilter) -> int:
    conditions = _filtered(actor, filters)
    return int(conn.execute(select(func.count()).select_from(ledger_entries).where(*conditions)).scalar_one())


def _entry(row: Mapping[Any, Any]) -> LedgerEntry:
    return LedgerEntry(
        seq=row["seq"],
        recorded_at=row["recorded_at"],
        actor=row["actor"],
        actor_org=row["actor_org"],
        via=row["via"],
        action=row["action"],
        object_type=row["object_type"],
        object_key=row["object_key"],
        detail=json.loads(row["detail"]),
        detail_digest=row["detail_digest"],
        prev_hash=row["prev_hash"],
        entry_hash=row["entry_hash"],
    )


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries_checked: int
    head_seq: int
    first_bad_seq: int | None = None
    problem: Message | None = None

    def describe(self) -> str:
        if self.ok:
            return f"ledger intact: {self.entries_checked} entries, head {self.head_seq}"
        return f"ledger broken at entry {self.first_bad_seq}: {self.problem}"


def verify_chain(
    conn: Connection, actor: Actor, progress: Callable[[int, int], None] | None = None
) -> VerifyReport:
    """Recompute every digest and link in order and report the first entry that does not hold."""
    require(actor, Permission.VERIFY_LEDGER)
    head = conn.execute(
        select(ledger_head.c.seq, ledger_head.c.entry_hash).where(ledger_head.c.id == 1)
    ).first()
    total = int(conn.execute(select(func.count()).select_from(ledger_entries)).scalar_one())
    return verify_records(
        _stream(conn), (head.seq, head.entry_hash) if head else (0, GENESIS_HASH), total, progress
    )


def _stream(conn: Connection) -> Iterator[Mapping[Any, Any]]:
    after = 0
    while True:
        rows = conn.execute(
            select(ledger_entries)
            .where(ledger_entries.c.seq > after)
            .order_by(ledger_entries.c.seq)
            .limit(VERIFY_BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            yield row._mapping
        after = rows[-1].seq


def verify_records(
    records: Iterable[Mapping[Any, Any]],
    head: tuple[int, str] | None,
    total: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Check a sequence of stored entries (from the database or an export) against each other and, when
    given, the head (sequence number and hash) that should close the chain."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    head_seq = head[0] if head else 0
    for row in records:
        bad = _check_entry(row, expected_seq, prev_hash)
        if bad is not None:
            return VerifyReport(False, checked, head_seq, bad[0], bad[1])
        prev_hash = row["entry_hash"]
        expected_seq += 1
        checked += 1
        if progress and checked % VERIFY_BATCH == 0:
            progress(checked, total)
    if progress:
        progress(checked, total)
    if head is not None and head_seq != checked:
        return VerifyReport(
            False,
            checked,
            head_seq,
            checked + 1,
            message(
                N_("the chain ends at entry {last} but its head records entry {head}: entries were removed"),
                last=checked,
                head=head_seq,
            ),
        )
    if head is not None and head[1] != prev_hash:
        return VerifyReport(
            False,
            checked,
            head_seq,
            checked,
            message(
                N_(
                    "entry {seq} does not end in the expected head hash {expected}: the chain was "
                    "rewritten or the head is not this ledger's"
                ),
                seq=checked,
                expected=head[1],
            ),
        )
    return VerifyReport(True, checked, head_seq if head else checked)


def export_records(conn: Connection, actor: Actor) -> Iterator[dict[str, Any]]:
    """Every entry as stored (detail as its canonical text), for verifying away from the database."""
    require(actor, Permission.VERIFY_LEDGER)
    for row in _stream(conn):
        record_ = dict(row)
        record_["recorded_at"] = format_timestamp(row["recorded_at"])
        yield record_


def _check_entry(row: Mapping[Any, Any], expected_seq: int, prev_hash: str) -> tuple[int, Message] | None:
    seq = row["seq"]
    if seq != expected_seq:
        return expected_seq, message(N_("entry {seq} is missing"), seq=expected_seq)
    if sha256_hex(row["detail"]) != row["detail_digest"]:
        return seq, message(N_("entry {seq}: its detail does not match its digest"), seq=seq)
    if row["prev_hash"] != prev_hash:
        return seq, message(N_("entry {seq}: it does not link to the entry before it"), seq=seq)
    recorded_at = row["recorded_at"]
    recomputed = LedgerRecord(
        seq=seq,
        recorded_at=parse_timestamp(recorded_at) if isinstance(recorded_at, str) else recorded_at,
        actor=row["actor"],
        actor_org=row["actor_org"],
        via=row["via"],
        action=row["action"],
        object_type=row["object_type"],
        object_key=row["object_key"],
        detail_digest=row["detail_digest"],
        prev_hash=row["prev_hash"],
    ).entry_hash()
    if recomputed != row["entry_hash"]:
        return seq, message(N_("entry {seq}: its fields do not match its hash"), seq=seq)
    return None
