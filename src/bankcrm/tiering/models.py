"""Tier rule sets, one row per version (DESIGN §6). A version is never changed once written."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, DateTime, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from bankcrm.db.base import Base, utcnow


class TierRuleSet(Base):
    __tablename__ = "tier_rule_sets"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint(
            "basis IN ('aum_month_avg', 'aum_point', 'deposit_month_avg')", name="basis"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))  # (name, version) unique: indexed by it
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(60))
    basis: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[date]
    spec: Mapped[str] = mapped_column(Text)  # RuleSetSpec as JSON, amounts in fen
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of `spec`
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(String(64))
