"""indicator growth link: growth_of and price_basis

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("growth_of", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("price_basis", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_column("price_basis")
        batch_op.drop_column("growth_of")
