"""dashboards

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citybase.storage.metadata

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("sharing", sa.String(length=16), server_default="private", nullable=False),
        sa.Column("created_at", citybase.storage.metadata.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", citybase.storage.metadata.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_dashboards_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_dashboards_owner_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboards")),
        sa.UniqueConstraint("code", name=op.f("uq_dashboards_code")),
    )
    with op.batch_alter_table("dashboards", schema=None) as batch_op:
        batch_op.create_index("ix_dashboards_owner_user_id", ["owner_user_id"], unique=False)

    op.create_table(
        "dashboard_shares",
        sa.Column("dashboard_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dashboard_id"],
            ["dashboards.id"],
            name=op.f("fk_dashboard_shares_dashboard_id_dashboards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_dashboard_shares_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("dashboard_id", "org_id", name=op.f("pk_dashboard_shares")),
    )
    op.create_table(
        "dashboard_panels",
        sa.Column("dashboard_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
        sa.Column("chart", sa.String(length=16), nullable=False),
        sa.Column("indicators", sa.Text(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("frequency", sa.String(length=8), server_default="year", nullable=False),
        sa.Column("last_n", sa.Integer(), nullable=True),
        sa.Column("period_from", sa.String(length=16), nullable=True),
        sa.Column("period_to", sa.String(length=16), nullable=True),
        sa.Column("measure", sa.String(length=16), server_default="level", nullable=False),
        sa.Column("unit", sa.String(length=32), server_default="", nullable=False),
        sa.Column("width", sa.Integer(), server_default=sa.text("6"), nullable=False),
        sa.ForeignKeyConstraint(
            ["dashboard_id"],
            ["dashboards.id"],
            name=op.f("fk_dashboard_panels_dashboard_id_dashboards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dashboard_id", "position", name=op.f("pk_dashboard_panels")),
    )


def downgrade() -> None:
    op.drop_table("dashboard_panels")
    op.drop_table("dashboard_shares")
    with op.batch_alter_table("dashboards", schema=None) as batch_op:
        batch_op.drop_index("ix_dashboards_owner_user_id")
    op.drop_table("dashboards")
