"""Region tables: one row per version of a code (validity years), and the recorded changes."""

from sqlalchemy import Column, Index, Integer, String, Table, text

from citybase.storage.metadata import metadata

regions = Table(
    "regions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(12), nullable=False),
    Column("name", String(64), nullable=False),
    Column("level", String(16), nullable=False),
    Column("parent_code", String(12), nullable=True),
    Column("valid_from", Integer, nullable=True),
    Column("valid_to", Integer, nullable=True),
    Index("ix_regions_code", "code", "valid_from"),
    Index("ix_regions_parent_code", "parent_code"),
    Index("ix_regions_name", "name"),
    Index(
        "uq_regions_current_code",
        "code",
        unique=True,
        sqlite_where=text("valid_to IS NULL"),
        postgresql_where=text("valid_to IS NULL"),
    ),
)

region_changes = Table(
    "region_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("old_code", String(12), nullable=True),
    Column("new_code", String(12), nullable=True),
    Column("note", String(255), nullable=False, server_default=""),
    Index("ix_region_changes_old_code", "old_code"),
    Index("ix_region_changes_new_code", "new_code"),
)
