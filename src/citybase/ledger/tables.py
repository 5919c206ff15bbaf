"""Ledger tables: the entries, and a one-row head that appends lock to keep the chain from forking."""

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Integer, String, Table, Text

from citybase.storage.metadata import UTCDateTime, metadata

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_org", String(32), nullable=True),
    Column("via", String(16), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_key", String(128), nullable=False),
    Column("detail", Text, nullable=False),
    Column("detail_digest", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Index("ix_ledger_entries_object", "object_type", "object_key"),
    Index("ix_ledger_entries_actor_org", "actor_org", "seq"),
    Index("ix_ledger_entries_action", "action", "seq"),
    Index("ix_ledger_entries_recorded_at", "recorded_at"),
)

ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)
