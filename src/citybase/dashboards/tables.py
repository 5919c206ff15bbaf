"""Dashboard tables: a dashboard with its owner and sharing, the organisations it is shared with, and its
panels in order (indicators and regions kept as JSON lists of codes)."""

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, text

from citybase.storage.metadata import UTCDateTime, metadata

dashboards = Table(
    "dashboards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("owner_user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("owner_org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    # private, organisation, government or organisations (those in dashboard_shares).
    Column("sharing", String(16), nullable=False, server_default="private"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Index("ix_dashboards_owner_user_id", "owner_user_id"),
)

dashboard_shares = Table(
    "dashboard_shares",
    metadata,
    Column("dashboard_id", Integer, ForeignKey("dashboards.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), primary_key=True),
)

dashboard_panels = Table(
    "dashboard_panels",
    metadata,
    Column("dashboard_id", Integer, ForeignKey("dashboards.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("title", String(200), nullable=False, server_default=""),
    Column("chart", String(16), nullable=False),
    Column("indicators", Text, nullable=False),  # JSON: ["GDP", ...]
    Column("regions", Text, nullable=False),  # JSON: ["440300", "districts:440300", ...]
    Column("frequency", String(8), nullable=False, server_default="year"),
    # Either the last N periods with values, or a fixed range from period_from to period_to.
    Column("last_n", Integer, nullable=True),
    Column("period_from", String(16), nullable=True),
    Column("period_to", String(16), nullable=True),
    Column("measure", String(16), nullable=False, server_default="level"),
    Column("unit", String(32), nullable=False, server_default=""),
    Column("width", Integer, nullable=False, server_default=text("6")),
)
