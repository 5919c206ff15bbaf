"""Fact tables: every revision of every value (bitemporal), and the conflicts between sources.

Distribution on Citus: `facts` is distributed by `indicator_id` (docs/facts.md); every unique index on it
includes that column, and every query names it, so a series lives on one shard.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    text,
)

from citybase.storage.metadata import UTCDateTime, metadata

facts = Table(
    "facts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("indicator_id", Integer, ForeignKey("indicators.id"), nullable=False),
    Column("region_code", String(12), nullable=False),
    Column("period", String(16), nullable=False),
    Column("period_start", Integer, nullable=False),
    Column("period_end", Integer, nullable=False),
    Column("dims", String(128), nullable=False, server_default=""),
    Column("value", Float, nullable=False),
    Column("status", String(12), nullable=False),
    Column("role", String(16), nullable=False),
    Column("source_org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("origin", String(128), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("superseded_at", UTCDateTime(), nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    # The one current authoritative value per key.
    Index(
        "uq_facts_current",
        "indicator_id",
        "region_code",
        "period",
        "dims",
        unique=True,
        sqlite_where=text("superseded_at IS NULL AND role = 'authoritative'"),
        postgresql_where=text("superseded_at IS NULL AND role = 'authoritative'"),
    ),
    # Series and as-of queries: one indicator, some regions, a range of periods.
    Index("ix_facts_series", "indicator_id", "region_code", "period_start"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("indicator_id", Integer, ForeignKey("indicators.id"), nullable=False),
    Column("region_code", String(12), nullable=False),
    Column("period", String(16), nullable=False),
    Column("dims", String(128), nullable=False, server_default=""),
    Column(
        "competing_fact_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("facts.id"),
        nullable=False,
    ),
    Column(
        "authoritative_fact_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("facts.id"),
        nullable=True,
    ),
    Column("gap", Float, nullable=True),
    Column("status", String(12), nullable=False),
    Column("resolution", String(16), nullable=True),
    Column("raised_at", UTCDateTime(), nullable=False),
    Column("resolved_by", String(64), nullable=True),
    Column("resolved_at", UTCDateTime(), nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Index("ix_conflicts_status", "status", "indicator_id"),
)

# The current authoritative values of each series, packed as columns: (period_start, period_end) pairs as
# little-endian int32 and values as little-endian float64, in period order. Kept in step with `facts` in
# the same transaction by every write (facts/blocks.py), so whole-store analysis reads one row per series
# instead of one per value.
series_blocks = Table(
    "series_blocks",
    metadata,
    Column("indicator_id", Integer, ForeignKey("indicators.id"), primary_key=True),
    Column("region_code", String(12), primary_key=True),
    Column("dims", String(128), primary_key=True),
    Column("length", Integer, nullable=False),
    Column("packed_periods", LargeBinary, nullable=False),
    Column("packed_values", LargeBinary, nullable=False),
)
