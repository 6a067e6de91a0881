"""customer list by month average

An index (月日均, customer id) the keyset pages of the "by 月日均" list walk backwards from the
top (both columns descending).

Revision ID: 2c23ef39aae0
Revises: 44ef2863de08
Create Date: 2026-12-01 14:50:34.091815
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2c23ef39aae0"
down_revision: str | None = "44ef2863de08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_customers_aum_month_avg_fen_customer_id",
        "customers",
        ["aum_month_avg_fen", "customer_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_customers_aum_month_avg_fen_customer_id", table_name="customers")
