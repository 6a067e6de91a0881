"""Org tree and staff, published from the org_units and staff extracts (DESIGN §1, §4)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bankcrm.db.base import Base, SnapshotMixin, one_of

ORG_LEVELS = ("head_office", "branch", "sub_branch", "outlet")


class OrgUnit(SnapshotMixin, Base):
    __tablename__ = "org_units"
    __table_args__ = (one_of("level", ORG_LEVELS, name="level"),)

    org_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("org_units.org_id"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))


class Staff(SnapshotMixin, Base):
    __tablename__ = "staff"
    __table_args__ = (one_of("status", ("active", "left"), name="status"),)

    staff_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    org_id: Mapped[str] = mapped_column(String(32), ForeignKey("org_units.org_id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(8), default="active")
    joined_on: Mapped[date | None]
