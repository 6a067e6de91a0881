"""Hand-over and queue shapes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bankcrm.security.classification import field


class HandoverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = field("handovers.customer_id", min_length=1, max_length=32)
    to_staff_id: str = field("handovers.to_staff_id", min_length=1, max_length=32)
    reason: str = field("handovers.reason", min_length=1, max_length=200)


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    note: str | None = Field(default=None, max_length=500)


class HandoverOut(BaseModel):
    id: int
    customer_id: str = field("handovers.customer_id")
    customer_name: str | None = field("customers.name", description="脱敏姓名")
    from_staff_id: str = field("handovers.from_staff_id")
    from_staff_name: str | None = None
    to_staff_id: str = field("handovers.to_staff_id")
    to_staff_name: str | None = None
    reason: str = field("handovers.reason")
    status: str = field("handovers.status")
    approver_org_id: str = field("handovers.approver_org_id")
    cross_outlet: bool = field("handovers.cross_outlet")
    requested_by: str = field("handovers.requested_by")
    requested_at: datetime = field("handovers.requested_at")
    decided_by: str | None = field("handovers.decided_by")
    decided_at: datetime | None = field("handovers.decided_at")
    decision_note: str | None = field("handovers.decision_note")
    can_decide: bool = Field(default=False, description="当前用户可以审批")


class QueueItem(BaseModel):
    customer_id: str = field("customer_owners.customer_id")
    customer_name: str | None = field("customers.name", description="脱敏姓名")
    home_org_id: str = field("customers.home_org_id")
    tier: str | None = field("customer_tiers.tier")
    aum_month_avg_fen: int | None = field("customers.aum_month_avg_fen")
    staff_id: str | None = field("customer_owners.staff_id", description="离职的原管户人")
    staff_name: str | None = None
    why: str  # 管户人离职 / 容量不足或无合适人员


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_staff_id: str = Field(min_length=1, max_length=32)


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credit_staff_id: str = Field(min_length=1, max_length=32, description="客户选择的业绩归属人")
