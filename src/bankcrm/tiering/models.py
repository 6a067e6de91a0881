"""Tier rule sets, one row per version (DESIGN §6). A version is never changed once written."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bankcrm.db.base import Base, SnapshotMixin, one_of, utcnow


class TierRuleSet(Base):
    __tablename__ = "tier_rule_sets"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        CheckConstraint("version >= 1", name="version"),
        one_of("basis", ("aum_month_avg", "aum_point", "deposit_month_avg"), name="basis"),
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


class CustomerTier(SnapshotMixin, Base):
    """A customer's current tier under one rule set: written when it was decided (`since`, the
    basis value and reason of that day), untouched while it stays — the nightly rewrites only the
    customers whose tier changed. `as_of` is the nightly date that last wrote the row.

    No foreign key to customers: the publish writes customers first in the same transaction, and
    a per-row check would cost more than the load itself at 1M customers × rule sets."""

    __tablename__ = "customer_tiers"
    # SQLite: the rows live in the key's B-tree, not in a rowid table beside an index of the key
    # (a first publish of 1M customers × 3 rule sets wrote every row twice)
    __table_args__ = ({"sqlite_with_rowid": False},)

    customer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rule_set: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int]
    tier: Mapped[str] = mapped_column(String(20))
    tier_rank: Mapped[int] = mapped_column(SmallInteger)
    basis_value_fen: Mapped[int] = mapped_column(BigInteger)
    threshold_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    since: Mapped[date]  # the effective date of the last change (or the first tiering)


class TierChange(Base):
    """Tier history: one row per upgrade or downgrade (DESIGN §6); a customer's first tier is not
    a change (it is the current tier's `since`). Re-running a date replaces that date's rows, so
    a change is recorded once. No foreign key, as for CustomerTier."""

    __tablename__ = "tier_history"
    __table_args__ = (
        UniqueConstraint("customer_id", "rule_set", "effective_on"),
        Index("ix_tier_history_rule_set_effective_on", "rule_set", "effective_on"),
        one_of("direction", ("up", "down"), name="direction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(32))
    rule_set: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    effective_on: Mapped[date]
    from_tier: Mapped[str] = mapped_column(String(20))
    to_tier: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(4))
    basis_value_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
