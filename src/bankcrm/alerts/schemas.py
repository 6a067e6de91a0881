"""Alert API shapes; evidence as exact numbers plus the sentence staff read (amounts in 万元)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bankcrm.alerts.rules import AlertRulesSpec
from bankcrm.customers.schemas import CUSTOMER_LINKED
from bankcrm.db.versioned import Version
from bankcrm.maintenance.schemas import Channel, Outcome
from bankcrm.security.classification import field

STATUS_LABELS = {
    "new": "待确认",
    "acknowledged": "已确认",
    "handled": "已处理",
    "dismissed": "已排除",
}


class Status(StrEnum):
    new = "new"
    acknowledged = "acknowledged"
    handled = "handled"
    dismissed = "dismissed"


class AlertOut(BaseModel):
    model_config = CUSTOMER_LINKED

    id: int = field("alerts.id")
    customer_id: str = field("alerts.customer_id")
    customer_name: str | None = field("customers.name", description="脱敏姓名")
    rule: str = field("alerts.rule")
    rule_label: str = field("alerts.rule")
    kind: str = field("alerts.kind")
    severity: str = field("alerts.severity")
    status: str = field("alerts.status")
    staff_id: str | None = field("alerts.staff_id")
    org_id: str = field("alerts.org_id")
    detected_on: date = field("alerts.detected_on")
    due_on: date | None = field("alerts.due_on")
    item_id: str | None = field("alerts.item_id", description="账号/借据号/流水号（脱敏）")
    amount_fen: int | None = field("alerts.amount_fen")
    reference_fen: int | None = field("alerts.reference_fen")
    ratio_bp: int | None = field("alerts.ratio_bp")
    ref_date: date | None = field("alerts.ref_date")
    detail: str | None = field("alerts.detail")
    evidence: str = field("alerts.amount_fen", description="触发依据（中文，金额为万元）")
    sla_due_at: datetime = field("alerts.sla_due_at")
    escalated: bool = field("alerts.escalated_at")
    dismiss_reason: str | None = field("alerts.dismiss_reason")
    contact_id: int | None = field("alerts.contact_id")


class AlertPage(BaseModel):
    items: list[AlertOut]
    total: int


class AlertEventOut(BaseModel):
    at: datetime
    by: str
    from_status: str | None
    to_status: str
    note: str | None


class AlertDetail(AlertOut):
    events: list[AlertEventOut] = field("alerts.status", description="处理记录")


class CountRow(BaseModel):
    status: str
    severity: str
    escalated: bool = field("alerts.escalated_at")
    n: int


class Counts(BaseModel):
    by_status: dict[str, int]
    by_severity: dict[str, int]  # open alerts (new + acknowledged)
    escalated: int  # open and escalated
    rows: list[CountRow]


class AlertContact(BaseModel):
    """The contact an alert was handled with (logged as `POST /contacts` logs one)."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    outcome: Outcome = Outcome.reached
    note: str | None = field("contacts.note", default=None, max_length=1000)
    next_step: str | None = field("contacts.next_step", default=None, max_length=200)


class HandleIn(BaseModel):
    """Handling an alert; `contact` logs the contact it took (completing a maintenance task)."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=200)
    contact: AlertContact | None = None


class DismissIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=200, description="排除原因（必填）")


class RulesIn(BaseModel):
    toml: str = Field(min_length=1, max_length=20_000, description="预警规则全文（TOML）")


class RulesOut(BaseModel):
    name: str
    title: str
    version: int
    effective_from: date
    created_at: datetime
    created_by: str
    toml: str = Field(description="预警规则全文（TOML）")


def rules_out(v: Version[AlertRulesSpec]) -> RulesOut:
    """A stored version of the alert rules as the API shows it."""
    return RulesOut(
        name=v.spec.name,
        title=v.spec.title,
        version=v.version,
        effective_from=v.spec.effective_from,
        created_at=v.created_at,
        created_by=v.created_by,
        toml=v.spec.to_toml(),
    )
