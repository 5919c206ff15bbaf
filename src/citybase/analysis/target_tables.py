"""Indicator targets (目标): the value or the growth rate an indicator should reach in a period and region,
as set by the government, with who set it and why."""

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text, UniqueConstraint

from citybase.storage.metadata import UTCDateTime, metadata

indicator_targets = Table(
    "indicator_targets",
    metadata,
    Column("id", Integer, primary_key=True),
    # Codes, not surrogate keys, as forecast runs keep them: a target names what its setter named.
    Column("indicator", String(64), nullable=False),
    Column("region", String(12), nullable=False),
    Column("period", String(16), nullable=False),
    Column("kind", String(8), nullable=False),  # level or growth
    Column("value", Float, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("set_by", String(64), nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
    UniqueConstraint("indicator", "region", "period", "kind"),
    Index("ix_indicator_targets_region", "region", "period"),
)
