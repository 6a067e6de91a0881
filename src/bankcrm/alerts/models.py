"""Alert rules (one row per version), alerts and the history of every alert's status."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bankcrm.db.base import Base, one_of, utcnow

STATUSES = ("new", "acknowledged", "handled", "dismissed")
SEVERITIES = ("high", "medium", "low")


class AlertRuleSet(Base):
    """The alert rules (thresholds, tiers, severity, lead time, SLA), one row per version — a
    version is never changed once written, as the tier rule sets are kept."""

    __tablename__ = "alert_rule_sets"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(80))
    effective_from: Mapped[date]
    spec: Mapped[str] = mapped_column(Text)  # AlertRulesSpec as JSON
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(String(64))


class Alert(Base):
    """One event of one customer under one rule; (customer, rule, event_key) is unique, so a
    re-run or the next night never opens it again. Evidence: typed numbers (fen, basis points,
    dates) the rule fired on; `item_id` the account, loan or transaction it is about."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("customer_id", "rule", "event_key"),
        one_of("status", STATUSES, name="status"),
        one_of("severity", SEVERITIES, name="severity"),
        Index("ix_alerts_staff_id_status", "staff_id", "status"),
        Index("ix_alerts_org_id_status", "org_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))
    event_key: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="new", server_default="new")
    staff_id: Mapped[str | None] = mapped_column(String(32))  # the owner; none: the outlet queue
    org_id: Mapped[str] = mapped_column(String(32))  # the customer's home outlet
    detected_on: Mapped[date]
    due_on: Mapped[date | None]
    item_id: Mapped[str | None] = mapped_column(String(64))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    reference_fen: Mapped[int | None] = mapped_column(BigInteger)
    ratio_bp: Mapped[int | None]  # basis points (1% = 100)
    days: Mapped[int | None]  # days to maturity or instalment, overdue or dormant
    ref_date: Mapped[date | None]
    detail: Mapped[str | None] = mapped_column(String(80))  # a product or tier name
    sla_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dismiss_reason: Mapped[str | None] = mapped_column(String(200))
    contact_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AlertEvent(Base):
    """Every change of an alert: created, escalated, acknowledged, handled, dismissed."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    by: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(200))
