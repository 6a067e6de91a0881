"""Churn scores published by the nightly, retention cases and the actions logged on them.

The model itself lives in the lake (`lake/models/churn/<version>/`: booster, calibrator, model
card): it is an analytics artefact the nightly reads, like a mart.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bankcrm.db.base import Base, SnapshotMixin, one_of, utcnow

BANDS = ("high", "medium", "low")
GROUPS = ("treated", "control")
OUTCOMES = ("retained", "lost")
ACTION_KINDS = ("contact", "offer", "product", "note")


class ChurnScore(SnapshotMixin, Base):
    """A customer's latest churn score (one row per customer; the nightly replaces them all).
    `score` is the calibrated probability of churning within the label's window (a
    probability, not money: a float is right). `reasons`: JSON list of {code, text, value,
    contribution} from the model's own contributions, largest first; `indicators`: JSON list of
    {code, text} — the policy's indicator rules that hold for the customer. No foreign key, as
    for the tiers."""

    __tablename__ = "churn_scores"
    __table_args__ = (
        one_of("band", BANDS, name="band"),
        Index("ix_churn_scores_band_score", "band", "score"),
    )

    customer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[str] = mapped_column(Text)
    indicators: Mapped[str] = mapped_column(Text)


class RetentionCase(Base):
    """A retention case opened by the nightly for a customer above the risk threshold in a
    maintained tier — or its control twin: a customer drawn into the control group (seeded,
    recorded here) gets a row with `group = 'control'`, no owner and no work, so the outcome
    can be compared. The batch sets `outcome` once `window_end` has passed."""

    __tablename__ = "retention_cases"
    __table_args__ = (
        UniqueConstraint("customer_id", "opened_on"),
        one_of("group_name", GROUPS, name="group_name"),
        one_of("outcome", OUTCOMES, name="outcome"),
        one_of("status", ("open", "closed"), name="status"),
        Index("ix_retention_cases_owner_staff_id_status", "owner_staff_id", "status"),
        Index("ix_retention_cases_org_id_opened_on", "org_id", "opened_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(32), index=True)
    opened_on: Mapped[date]  # the nightly date that opened it
    group_name: Mapped[str] = mapped_column(String(8))
    seed: Mapped[int]  # the control draw's seed, so the assignment can be reproduced
    model_version: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[str] = mapped_column(Text)  # as in churn_scores, frozen at opening
    suggested_actions: Mapped[str] = mapped_column(Text)  # JSON list of strings
    owner_staff_id: Mapped[str | None] = mapped_column(String(32))
    org_id: Mapped[str] = mapped_column(String(32))  # home outlet at opening
    rule_set: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(20))
    aum_month_avg_fen: Mapped[int] = mapped_column(BigInteger)  # at opening
    due_on: Mapped[date]
    window_end: Mapped[date]
    status: Mapped[str] = mapped_column(String(8), default="open")
    outcome: Mapped[str | None] = mapped_column(String(8))
    outcome_on: Mapped[date | None]
    outcome_aum_month_avg_fen: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class RetentionAction(Base):
    """What the owner did on a case: a contact (linked to the logged contact), an offer, a
    product sold, a note."""

    __tablename__ = "retention_actions"
    __table_args__ = (one_of("kind", ACTION_KINDS, name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("retention_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    staff_id: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64))
    acted_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(Text)
    product_code: Mapped[str | None] = mapped_column(String(32))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
