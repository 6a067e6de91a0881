"""Maintenance API shapes: tasks, contacts, product messages, 建档 fields, compliance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bankcrm.security.classification import field

KIND_LABELS = {
    "contact": "联系",
    "greeting": "问候",
    "salon": "沙龙邀约",
    "gift": "礼品",
    "flowers": "生日鲜花/蛋糕",
    "exec_visit": "行长拜访",
    "product_message": "产品信息（批量）",
}
CHANNEL_LABELS = {
    "phone": "电话",
    "sms": "短信",
    "wechat": "微信",
    "visit": "面访",
    "outlet_meeting": "网点会面",
    "salon": "沙龙",
    "gift": "礼品/鲜花",
    "other": "其他",
}
STATUS_LABELS = {"open": "待办", "done": "已完成", "cancelled": "已取消"}


class Channel(StrEnum):
    phone = "phone"
    sms = "sms"
    wechat = "wechat"
    visit = "visit"
    outlet_meeting = "outlet_meeting"
    salon = "salon"
    gift = "gift"
    other = "other"


class Outcome(StrEnum):
    reached = "reached"  # 已联系
    no_answer = "no_answer"  # 未接通
    interested = "interested"  # 有意向
    appointment = "appointment"  # 已预约
    declined = "declined"  # 客户婉拒


OUTCOME_LABELS = {
    "reached": "已联系",
    "no_answer": "未接通",
    "interested": "有意向",
    "appointment": "已预约",
    "declined": "客户婉拒",
}


class TaskOut(BaseModel):
    id: int
    customer_id: str | None = field("maintenance_tasks.customer_id")
    customer_name: str | None = field("customers.name", description="脱敏姓名")
    tier: str | None = field("maintenance_tasks.tier")
    kind: str = field("maintenance_tasks.kind")
    kind_label: str
    occasion: str = field("maintenance_tasks.occasion")
    due_on: date = field("maintenance_tasks.due_on")
    deadline: date = field("maintenance_tasks.deadline")
    status: str = field("maintenance_tasks.status")
    done_on: date | None = field("maintenance_tasks.done_on")
    staff_id: str = field("maintenance_tasks.staff_id")
    staff_name: str | None = None
    overdue: bool = Field(description="已过截止日仍未完成")


class TaskPage(BaseModel):
    items: list[TaskOut]
    total: int


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = field("contacts.customer_id", min_length=1, max_length=32)
    channel: Channel
    outcome: Outcome = Outcome.reached
    contacted_at: datetime | None = Field(default=None, description="联系时间（默认现在）")
    note: str | None = field("contacts.note", default=None, max_length=1000)
    next_step: str | None = field("contacts.next_step", default=None, max_length=200)
    product_code: str | None = field("contacts.product_code", default=None, max_length=32)
    task_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="完成的任务（可选）")


class ContactOut(BaseModel):
    id: int
    customer_id: str = field("contacts.customer_id")
    channel: str = field("contacts.channel")
    outcome: str = field("contacts.outcome")
    contacted_at: datetime = field("contacts.contacted_at")
    note: str | None = field("contacts.note")
    next_step: str | None = field("contacts.next_step")
    product_code: str | None = field("contacts.product_code")
    staff_id: str = field("contacts.staff_id")
    completed_task: TaskOut | None = None


class ProductMessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=500)
    product_code: str | None = Field(default=None, max_length=32)
    customer_ids: list[str] | None = Field(
        default=None, max_length=5000, description="收件客户；不填则为本人管户的全部维护客户"
    )


class ProductMessageOut(BaseModel):
    id: int
    recipients: int
    completed_task_id: int | None


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lunar_birthday: bool = field("customer_profiles.lunar_birthday", default=False)
    product_preference: str | None = field(
        "customer_profiles.product_preference", default=None, max_length=100
    )


class ServicePlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    risk_tolerance: str = field("service_plans.risk_tolerance", min_length=1, max_length=200)
    assets_liabilities: str = field(
        "service_plans.assets_liabilities", min_length=1, max_length=500
    )
    cash_flow: str = field("service_plans.cash_flow", min_length=1, max_length=500)
    fund_flows: str = field("service_plans.fund_flows", min_length=1, max_length=500)
    products_used: str = field("service_plans.products_used", min_length=1, max_length=500)


class ProfileOut(BaseModel):
    """建档 fields staff keep for a customer, with the service plan when there is one."""

    customer_id: str = field("customer_profiles.customer_id")
    lunar_birthday: bool = field("customer_profiles.lunar_birthday")
    product_preference: str | None = field("customer_profiles.product_preference")
    service_plan: ServicePlanIn | None = None


class ComplianceRow(BaseModel):
    org_id: str
    org_name: str
    staff_id: str | None
    staff_name: str | None
    tier: str | None
    kind: str | None
    due: int
    on_time: int
    late: int
    missed: int
    pending: int
    rate: Decimal | None = Field(description="按时完成率：按时 ÷（按时 + 逾期完成 + 未完成）")


class CoverageRow(BaseModel):
    org_id: str
    org_name: str
    band: str  # 5万+ / 20万+ / 100万+
    customers: int
    profiled: int
    share: Decimal | None
    target: Decimal
    met: bool


class TargetRow(BaseModel):
    org_id: str
    org_name: str
    measure: str
    customers: int
    meeting: int
    share: Decimal | None
    target: Decimal
    met: bool
