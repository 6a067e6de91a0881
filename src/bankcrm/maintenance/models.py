"""Maintenance policies, holiday overrides, tasks, contacts, product messages and 建档 fields."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
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

TASK_KINDS = (
    "contact",  # 联系（电话、短信、微信、面访、网点会面）
    "greeting",  # 生日、节日问候
    "salon",  # 沙龙邀约
    "gift",  # 礼品
    "flowers",  # 生日鲜花或蛋糕
    "exec_visit",  # 行长拜访或私享会
    "product_message",  # 产品信息（批量）
)
CHANNELS = ("phone", "sms", "wechat", "visit", "outlet_meeting", "salon", "gift", "other")


class MaintenancePolicy(Base):
    """Assignment rules and maintenance standards for one tier rule set, one row per version
    (a version is never changed once written), as the tier rule sets are kept."""

    __tablename__ = "maintenance_policies"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))  # = the tier rule set it applies to
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(80))
    effective_from: Mapped[date]
    spec: Mapped[str] = mapped_column(Text)  # PolicySpec as JSON
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(String(64))


class HolidayOverride(Base):
    """A year's official holiday schedule entered by an admin, for years `chinesecalendar`
    lacks (or to correct it): holiday periods and the weekend days worked in lieu (调休)."""

    __tablename__ = "holiday_overrides"
    __table_args__ = (
        UniqueConstraint("year", "kind", "first_day"),
        one_of("kind", ("holiday", "workday"), name="kind"),
        CheckConstraint("last_day >= first_day", name="span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(8))
    first_day: Mapped[date]
    last_day: Mapped[date]
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))


class Task(Base):
    """A maintenance task on an owner's calendar. `key` makes generation idempotent; `deadline`
    is the last day it counts as on time (the day itself for greetings, the month's end for
    contacts). Product messages are one task per owner and week, `customer_id` empty."""

    __tablename__ = "maintenance_tasks"
    __table_args__ = (
        one_of("kind", TASK_KINDS, name="kind"),
        one_of("status", ("open", "done", "cancelled"), name="status"),
        Index("ix_maintenance_tasks_staff_id_due_on", "staff_id", "due_on"),
        Index("ix_maintenance_tasks_org_id_due_on", "org_id", "due_on"),
        Index("ix_maintenance_tasks_customer_id_status", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(96), unique=True)
    staff_id: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[str] = mapped_column(String(32))  # the customer's home outlet (owner's unit)
    customer_id: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16))
    occasion: Mapped[str] = mapped_column(String(20))  # 春节, 生日, 第1次, 上半年 …
    due_on: Mapped[date]
    deadline: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="open")
    done_on: Mapped[date | None]
    contact_id: Mapped[int | None]
    generated_on: Mapped[date]
    run: Mapped[str] = mapped_column(String(32))  # the generation that last wanted it


class Contact(Base):
    """A logged contact with a customer (from the 360 page, the today list or an alert)."""

    __tablename__ = "contacts"
    __table_args__ = (
        one_of("channel", CHANNELS, name="channel"),
        Index("ix_contacts_customer_id_contacted_at", "customer_id", "contacted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[str] = mapped_column(String(32), index=True)
    username: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    contacted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(String(200))
    product_code: Mapped[str | None] = mapped_column(String(32))
    task_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class ProductMessage(Base):
    """A batch product message (产品信息群发): one action, its recipients in the next table."""

    __tablename__ = "product_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(32), index=True)
    username: Mapped[str] = mapped_column(String(64))
    sent_on: Mapped[date]
    product_code: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(500))
    recipients: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class ProductMessageRecipient(Base):
    __tablename__ = "product_message_recipients"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("product_messages.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class CustomerProfile(Base):
    """建档 fields the core extract lacks, kept by the bank's staff."""

    __tablename__ = "customer_profiles"

    customer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lunar_birthday: Mapped[bool] = mapped_column(default=False, server_default="0")
    product_preference: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))


class ServicePlan(Base):
    """The service plan every 100万+ customer needs (服务方案)."""

    __tablename__ = "service_plans"

    customer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    risk_tolerance: Mapped[str] = mapped_column(String(200))
    assets_liabilities: Mapped[str] = mapped_column(String(500))
    cash_flow: Mapped[str] = mapped_column(String(500))
    fund_flows: Mapped[str] = mapped_column(String(500))
    products_used: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
