"""Collection tables: tasks and their periods, submissions with their staged values, remembered column and
code mappings, and in-app notifications."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from citybase.storage.metadata import UTCDateTime, metadata

collection_tasks = Table(
    "collection_tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    # None for a one-off task; year, half, quarter or month for one that opens itself each period.
    Column("recurrence", String(8), nullable=True),
    Column("first_period", String(16), nullable=False),
    # A recurring period's deadline: this many days after the period ends.
    Column("deadline_days", Integer, nullable=False, server_default=text("15")),
    Column("reviewer_org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    # own: the organisation's own region; children: its sub-regions; both: the region and its sub-regions.
    Column("region_scope", String(12), nullable=False, server_default="own"),
    # District figures approved by the district first, then by the reviewer organisation.
    Column("two_level", Boolean, nullable=False, server_default=text("false")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

task_indicators = Table(
    "task_indicators",
    metadata,
    Column("task_id", Integer, ForeignKey("collection_tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", Integer, ForeignKey("indicators.id"), primary_key=True),
    Column("position", Integer, nullable=False, server_default=text("0")),
)

task_orgs = Table(
    "task_orgs",
    metadata,
    Column("task_id", Integer, ForeignKey("collection_tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), primary_key=True),
)

task_periods = Table(
    "task_periods",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("collection_tasks.id", ondelete="CASCADE"), nullable=False),
    Column("period", String(16), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    # When the "deadline near" reminder went out, so it goes out once.
    Column("reminded_at", UTCDateTime(), nullable=True),
    UniqueConstraint("task_id", "period"),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("task_period_id", Integer, ForeignKey("task_periods.id"), nullable=True),
    Column("channel", String(12), nullable=False),  # upload, grid, api, sdmx, cli
    Column("status", String(24), nullable=False),
    Column("reviewer_org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    # District figures go to the district's own reviewers first, then to the reviewer organisation.
    Column("two_level", Boolean, nullable=False, server_default=text("false")),
    Column("filename", String(255), nullable=False, server_default=""),
    Column("kind", String(8), nullable=False, server_default=""),  # xlsx, csv, json
    Column("file_sha256", String(64), nullable=False, server_default=""),
    Column("client_key", String(128), nullable=True),  # API idempotency key, unique per organisation
    Column("period", String(16), nullable=True),  # the period given with the upload, if any
    Column("corrects_id", Integer, ForeignKey("submissions.id"), nullable=True),
    Column("reason", Text, nullable=False, server_default=""),  # why a correction is made
    Column("explanation", Text, nullable=False, server_default=""),  # 说明 for the warnings
    Column("value_count", Integer, nullable=False, server_default=text("0")),
    Column("error_count", Integer, nullable=False, server_default=text("0")),
    Column("warning_count", Integer, nullable=False, server_default=text("0")),
    Column("layout", Text, nullable=False, server_default="{}"),  # the column mapping used, as JSON
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("comment", Text, nullable=False, server_default=""),
    Column("publish_report", Text, nullable=False, server_default=""),
    UniqueConstraint("org_id", "client_key"),
    Index("ix_submissions_task_period_id_org_id", "task_period_id", "org_id"),
)

submission_files = Table(
    "submission_files",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("content", LargeBinary, nullable=False),
)

submission_values = Table(
    "submission_values",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
    Column("indicator_id", Integer, ForeignKey("indicators.id"), nullable=False),
    Column("region_code", String(12), nullable=False),
    Column("period", String(16), nullable=False),
    Column("period_start", Integer, nullable=False),
    Column("period_end", Integer, nullable=False),
    Column("dims", String(128), nullable=False, server_default=""),
    Column("value", Float, nullable=False),
    Column("status", String(12), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("location", String(64), nullable=False, server_default=""),  # 报送数据!C5, or $.items[3]
    Index("ix_submission_values_submission_id", "submission_id"),
)

submission_events = Table(
    "submission_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_org", String(32), nullable=True),
    Column("comment", Text, nullable=False, server_default=""),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_submission_events_submission_id", "submission_id"),
)

column_mappings = Table(
    "column_mappings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # the sheet layout's header fingerprint
    Column("mapping", Text, nullable=False),  # {"header text": "GDP" | "@region" | "@ignore" ...}
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("org_id", "fingerprint"),
)

code_mappings = Table(
    "code_mappings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("kind", String(12), nullable=False),  # region or indicator
    Column("local_code", String(128), nullable=False),
    Column("standard_code", String(64), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("org_id", "kind", "local_code"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("kind", String(24), nullable=False),  # task_opened, deadline_near, returned, approved, ...
    Column("template", Text, nullable=False),  # an English message template, translated when shown
    Column("params", Text, nullable=False, server_default="{}"),
    Column("link", String(255), nullable=False, server_default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("read_at", UTCDateTime(), nullable=True),
    Column("read_by", String(64), nullable=True),
    Index("ix_notifications_org_id_created_at", "org_id", "created_at"),
)
