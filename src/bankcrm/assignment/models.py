"""Who maintains each customer (管户), its history and hand-overs (DESIGN §1, issue 6)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from bankcrm.db.base import Base, one_of, utcnow

REASONS = (
    "initial",  # first owner under the policy
    "upgrade",  # the tier moved maintenance to a higher role
    "downgrade",  # the tier moved it to a lower role
    "ineligible",  # the owner moved unit or role (HR) and no longer fits the tier
    "handover",  # an approved hand-over (移交)
    "reassign",  # an outlet head placed a queued customer (leaver, capacity)
    "credit",  # 业绩归属 changed by the customer's choice
)


class CustomerOwner(Base):
    """The current maintainer of a customer. `originator_staff_id`: who maintained the customer
    before an upgrade moved maintenance to a higher role; `credit_staff_id`: who gets the
    performance credit (业绩归属) — the originator unless the customer chose otherwise."""

    __tablename__ = "customer_owners"

    customer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    since: Mapped[date]
    tier: Mapped[str | None] = mapped_column(String(20))
    originator_staff_id: Mapped[str | None] = mapped_column(String(32))
    credit_staff_id: Mapped[str | None] = mapped_column(String(32), index=True)
    credit_by_choice: Mapped[bool] = mapped_column(default=False, server_default="0")
    # nightly | handover | reassign: an owner placed by hand is kept by the nightly while their
    # role still fits the tier, even outside the units the policy would pick from
    assigned_by: Mapped[str] = mapped_column(
        String(12), default="nightly", server_default="nightly"
    )


class AssignmentChange(Base):
    """One row per change of owner or credit: the nightly's changes carry `batch` (one audit row
    per nightly batch), manual ones are audited one by one."""

    __tablename__ = "assignment_history"
    __table_args__ = (
        one_of("reason", REASONS, name="reason"),
        Index("ix_assignment_history_customer_id_changed_at", "customer_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(32))
    from_staff_id: Mapped[str | None] = mapped_column(String(32))
    to_staff_id: Mapped[str | None] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(String(12))
    effective_on: Mapped[date]
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    changed_by: Mapped[str] = mapped_column(String(64))
    batch: Mapped[str | None] = mapped_column(String(40))
    handover_id: Mapped[int | None]


class Handover(Base):
    """A hand-over (移交) request: by the owner or the outlet head, decided by the outlet head
    (or the sub-branch head when it crosses outlets)."""

    __tablename__ = "handovers"
    __table_args__ = (
        one_of("status", ("pending", "approved", "rejected", "cancelled"), name="status"),
        Index("ix_handovers_status_approver_org_id", "status", "approver_org_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(32), index=True)
    from_staff_id: Mapped[str] = mapped_column(String(32))
    to_staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"))
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    approver_org_id: Mapped[str] = mapped_column(String(32))  # the unit whose head decides
    cross_outlet: Mapped[bool]
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
