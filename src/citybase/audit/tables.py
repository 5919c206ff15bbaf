"""Audit tables: rules with every version kept, and the findings of each submission's audit."""

from sqlalchemy import (
    Boolean,
    Column,
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

audit_rules = Table(
    "audit_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("expression", Text, nullable=False),
    Column("severity", String(8), nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("group_name", String(64), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default=text("false")),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

audit_rule_versions = Table(
    "audit_rule_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rule_id", Integer, ForeignKey("audit_rules.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(255), nullable=False),
    Column("expression", Text, nullable=False),
    Column("severity", String(8), nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("active", Boolean, nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("rule_id", "version"),
)

audit_findings = Table(
    "audit_findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
    Column("rule", String(64), nullable=False),  # a rule code, or CHECK for a value the store refuses
    Column("rule_version", Integer, nullable=False, server_default=text("0")),
    Column("severity", String(8), nullable=False),
    Column("location", String(64), nullable=False, server_default=""),
    Column("indicator", String(64), nullable=False, server_default=""),
    Column("region_code", String(12), nullable=False, server_default=""),
    Column("period", String(16), nullable=False, server_default=""),
    Column("dims", String(128), nullable=False, server_default=""),
    Column("message", Text, nullable=False),  # English template; rendered per language when shown
    Column("params", Text, nullable=False, server_default="{}"),
    Column("values_text", Text, nullable=False, server_default=""),
    Column("expected", Text, nullable=False, server_default=""),
    Column("involved", Text, nullable=False, server_default="[]"),  # locations of every cell the rule read
    Index("ix_audit_findings_submission_id", "submission_id"),
)
