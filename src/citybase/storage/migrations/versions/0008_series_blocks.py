"""series blocks: each series' current values packed as columns, filled from the facts already stored

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from citybase.facts import blocks

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "series_blocks",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("dims", sa.String(length=128), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("packed_periods", sa.LargeBinary(), nullable=False),
        sa.Column("packed_values", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicators.id"], name=op.f("fk_series_blocks_indicator_id_indicators")
        ),
        sa.PrimaryKeyConstraint("indicator_id", "region_code", "dims", name=op.f("pk_series_blocks")),
    )
    # A store upgraded with facts in it gets their blocks now; later writes keep them in step.
    blocks.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("series_blocks")
