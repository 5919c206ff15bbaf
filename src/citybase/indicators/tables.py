"""Indicator tables: categories, definitions with their versions, reporters, disaggregations, aliases."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from citybase.storage.metadata import UTCDateTime, metadata

indicator_categories = Table(
    "indicator_categories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(128), nullable=False),
    Column("name_en", String(128), nullable=False, server_default=""),
    Column("parent_code", String(64), nullable=True),
    Column("notes", Text, nullable=False, server_default=""),
    Column("sort_order", Integer, nullable=False, server_default="0"),
)

indicators = Table(
    "indicators",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("name_en", String(255), nullable=False, server_default=""),
    Column("category_code", String(64), nullable=True),
    Column("unit", String(32), nullable=False),
    Column("frequency", String(8), nullable=False),
    Column("value_kind", String(16), nullable=False),
    Column("region_aggregation", String(16), nullable=False),
    Column("time_aggregation", String(16), nullable=False),
    Column("weight_indicator", String(64), nullable=True),
    Column("decimals", Integer, nullable=False, server_default="2"),
    Column("min_value", Float, nullable=True),
    Column("max_value", Float, nullable=True),
    Column("authoritative_org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("status", String(8), nullable=False),
    Column("formula", Text, nullable=True),
    Column("definition", Text, nullable=False, server_default=""),
    Column("notes", Text, nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("effective_from", Date, nullable=False),
    Column("growth_of", String(64), nullable=True),
    Column("price_basis", String(12), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_indicators_category_code", "category_code"),
)

indicator_versions = Table(
    "indicator_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("indicator_id", Integer, ForeignKey("indicators.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("definition", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("formula", Text, nullable=True),
    Column("change_note", Text, nullable=False, server_default=""),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    UniqueConstraint("indicator_id", "version"),
)

indicator_reporters = Table(
    "indicator_reporters",
    metadata,
    Column("indicator_id", Integer, ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), primary_key=True),
)

dimensions = Table(
    "dimensions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(128), nullable=False),
    Column("name_en", String(128), nullable=False, server_default=""),
)

dimension_members = Table(
    "dimension_members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dimension_id", Integer, ForeignKey("dimensions.id", ondelete="CASCADE"), nullable=False),
    Column("code", String(32), nullable=False),
    Column("name", String(128), nullable=False),
    Column("name_en", String(128), nullable=False, server_default=""),
    Column("sort_order", Integer, nullable=False, server_default="0"),
    UniqueConstraint("dimension_id", "code"),
)

indicator_dimensions = Table(
    "indicator_dimensions",
    metadata,
    Column("indicator_id", Integer, ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True),
    Column("dimension_id", Integer, ForeignKey("dimensions.id"), primary_key=True),
)

indicator_aliases = Table(
    "indicator_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("alias", String(64), nullable=False, unique=True),
    Column("indicator_id", Integer, ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False),
    Column("unit", String(32), nullable=True),
    Column("dims", String(128), nullable=False, server_default=""),
    Column("cumulative", Boolean, nullable=False, server_default=text("false")),
    Column("note", Text, nullable=False, server_default=""),
)
