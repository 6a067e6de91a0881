"""Retention case API shapes: the owner's case list and detail, actions, the effect table."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bankcrm.maintenance.schemas import Channel, Outcome
from bankcrm.security.classification import field

STATUS_LABELS = {"open": "处理中", "closed": "已结案"}
OUTCOME_LABELS = {"retained": "已挽留", "lost": "已流失"}
GROUP_LABELS = {"treated": "挽留组", "control": "对照组"}
ACTION_LABELS = {"contact": "联系", "offer": "方案/报价", "product": "成交产品", "note": "备注"}


class ActionKind(StrEnum):
    contact = "contact"
    offer = "offer"
    product = "product"
    note = "note"


class Reason(BaseModel):
    code: str
    text: str = field("value", description="原因（含客户的数值）")


class ActionOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    staff_id: str
    username: str
    acted_on: date
    note: str | None = field("contacts.note")
    product_code: str | None = field("product_code")
    contact_id: int | None = None
    completed_task_id: int | None = None


class CaseOut(BaseModel):
    id: int
    customer_id: str = field("customers.customer_id")
    customer_name: str | None = field("customers.name", description="脱敏姓名")
    opened_on: date = field("opened_on")
    score: float = Field(description="流失概率（开案时）")
    reasons: list[Reason]
    suggested_actions: list[str]
    owner_staff_id: str | None = field("owner_staff_id")
    owner_name: str | None = field("owner_name")
    org_id: str
    tier: str = field("tier")
    aum_month_avg_fen: int = field("customers.aum_month_avg_fen", description="开案时月日均（分）")
    due_on: date
    window_end: date
    status: str = field("status")
    status_label: str
    outcome: str | None = None
    outcome_label: str | None = None
    overdue: bool = Field(description="处理中且已过应办日期")


class CaseDetail(CaseOut):
    actions: list[ActionOut] = []


class CasePage(BaseModel):
    items: list[CaseOut]
    total: int


class ActionIn(BaseModel):
    """An action on a case. `contact` is logged as a maintenance contact (`channel` required)
    and completes the matching task; `product` names the product sold."""

    model_config = ConfigDict(extra="forbid")

    kind: ActionKind
    channel: Channel | None = None
    outcome: Outcome = Outcome.reached
    contacted_at: datetime | None = Field(default=None, description="联系时间（默认现在）")
    note: str | None = field("contacts.note", default=None, max_length=1000)
    product_code: str | None = field("product_code", default=None, max_length=32)

    @model_validator(mode="after")
    def _complete(self) -> ActionIn:
        if self.kind is ActionKind.contact and self.channel is None:
            raise ValueError("登记联系需选择渠道 channel")
        if self.kind is ActionKind.product and not self.product_code:
            raise ValueError("登记成交产品需填写产品代码 product_code")
        if self.kind in (ActionKind.offer, ActionKind.note) and not (self.note or "").strip():
            raise ValueError("方案/备注需填写内容 note")
        return self


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = field("contacts.note", default=None, max_length=1000)


class EffectRow(BaseModel):
    org_id: str | None = Field(description="网点（合计行为空）")
    org_name: str
    treated: int = Field(description="挽留组已有结果的案件数")
    treated_lost: int
    treated_rate: float | None
    control: int = Field(description="对照组已有结果的案件数")
    control_lost: int
    control_rate: float | None
    uplift: float | None = Field(description="对照组流失率 − 挽留组流失率")
    ci_low: float | None
    ci_high: float | None
    too_small: bool = Field(description="任一组不足最小样本，结论不可靠")


class EffectOut(BaseModel):
    as_of: date | None
    method: str
    confidence: float
    min_group: int
    overall: EffectRow
    outlets: list[EffectRow]
