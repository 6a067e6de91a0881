"""tier rule sets

Revision ID: 9649ea25e137
Revises: 8815e2b29231
Create Date: 2026-11-23 10:52:20.816819+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9649ea25e137"
down_revision: str | None = "8815e2b29231"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tier_rule_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "basis IN ('aum_month_avg', 'aum_point', 'deposit_month_avg')",
            name=op.f("ck_tier_rule_sets_basis"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_tier_rule_sets_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_rule_sets")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_tier_rule_sets_name")),
    )


def downgrade() -> None:
    op.drop_table("tier_rule_sets")
