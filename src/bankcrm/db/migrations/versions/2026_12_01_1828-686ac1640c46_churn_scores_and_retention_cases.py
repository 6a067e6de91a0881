"""churn scores and retention cases

The latest churn score per customer (published by the nightly), retention cases with their
control twins, and the actions logged on a case.

Revision ID: 686ac1640c46
Revises: 586775ac8232
Create Date: 2026-12-01 18:28:20.538485+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "686ac1640c46"
down_revision: str | None = "586775ac8232"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "churn_scores",
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=8), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("indicators", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint("band IN ('high', 'medium', 'low')", name=op.f("ck_churn_scores_band")),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_churn_scores")),
    )
    with op.batch_alter_table("churn_scores", schema=None) as batch_op:
        batch_op.create_index("ix_churn_scores_band_score", ["band", "score"], unique=False)

    op.create_table(
        "retention_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("group_name", sa.String(length=8), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("suggested_actions", sa.Text(), nullable=False),
        sa.Column("owner_staff_id", sa.String(length=32), nullable=True),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("rule_set", sa.String(length=40), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("aum_month_avg_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("outcome_aum_month_avg_fen", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "group_name IN ('treated', 'control')", name=op.f("ck_retention_cases_group_name")
        ),
        sa.CheckConstraint(
            "outcome IN ('retained', 'lost')", name=op.f("ck_retention_cases_outcome")
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_retention_cases_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_cases")),
        sa.UniqueConstraint(
            "customer_id", "opened_on", name=op.f("uq_retention_cases_customer_id")
        ),
    )
    with op.batch_alter_table("retention_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retention_cases_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_retention_cases_org_id_opened_on", ["org_id", "opened_on"], unique=False
        )
        batch_op.create_index(
            "ix_retention_cases_owner_staff_id_status", ["owner_staff_id", "status"], unique=False
        )

    op.create_table(
        "retention_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("acted_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("product_code", sa.String(length=32), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('contact', 'offer', 'product', 'note')",
            name=op.f("ck_retention_actions_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["retention_cases.id"],
            name=op.f("fk_retention_actions_case_id_retention_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_retention_actions_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_actions")),
    )
    with op.batch_alter_table("retention_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_actions_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("retention_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_actions_case_id"))

    op.drop_table("retention_actions")
    with op.batch_alter_table("retention_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_retention_cases_owner_staff_id_status")
        batch_op.drop_index("ix_retention_cases_org_id_opened_on")
        batch_op.drop_index(batch_op.f("ix_retention_cases_customer_id"))

    op.drop_table("retention_cases")
    with op.batch_alter_table("churn_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_churn_scores_band_score")

    op.drop_table("churn_scores")
