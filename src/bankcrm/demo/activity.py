"""A demo bank's maintenance history: the contacts its staff would have logged.

The demo generates the task calendar a month before its data end as well as at the end; this
completes the tasks already due by the data date the way a typical outlet does — most on time, a
few late, the rest missed — with a contact (or a batch product message) behind each done task, so
the compliance page and the 360 page show a plausible past. Seeded; written in bulk; not
audited (no person did it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.assignment import service as assignment
from bankcrm.customers.models import Customer
from bankcrm.db import bulk
from bankcrm.kit.clock import BEIJING
from bankcrm.maintenance.models import (
    Contact,
    CustomerProfile,
    ProductMessage,
    ProductMessageRecipient,
    ServicePlan,
    Task,
)

ON_TIME, LATE = 0.80, 0.08  # the rest is missed
CHANNELS = {
    "contact": ("phone", "wechat", "visit", "outlet_meeting", "phone", "wechat"),
    "greeting": ("sms", "phone", "wechat"),
    "gift": ("gift",),
    "flowers": ("gift",),
    "salon": ("salon",),
    "exec_visit": ("visit",),
}
OUTCOMES = ("reached", "reached", "reached", "interested", "appointment", "no_answer")
NOTES = {
    "contact": ("了解近期资金安排", "介绍新发理财产品", "提醒定期到期续存", "客户暂无需求"),
    "greeting": ("节日问候", "生日祝福"),
    "gift": ("赠送节日礼品",),
    "flowers": ("生日鲜花已送达",),
    "salon": ("邀请参加理财沙龙，已报名",),
    "exec_visit": ("支行行长上门拜访",),
}


@dataclass
class Activity:
    contacts: int = 0
    messages: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0


def _moment(day: date, rng: np.random.Generator) -> datetime:
    clock = time(int(rng.integers(9, 18)), int(rng.integers(0, 60)))
    return datetime.combine(day, clock, tzinfo=BEIJING).astimezone(UTC)


def simulate(session: Session, until: date, seed: int) -> Activity:
    """Complete the open tasks due by `until` (inclusive) as described above."""
    rng = np.random.default_rng(seed)
    out = Activity()
    stmt = (
        select(Task)
        .where(Task.status == "open", Task.due_on <= until)
        .order_by(Task.due_on, Task.id)
    )
    for task in session.scalars(stmt):
        u = rng.random()
        last_on_time = min(task.deadline, until)
        if u < ON_TIME:
            done = task.due_on + timedelta(
                days=int(rng.integers(0, (last_on_time - task.due_on).days + 1))
            )
        elif u < ON_TIME + LATE and task.deadline < until:
            done = task.deadline + timedelta(
                days=int(rng.integers(1, (until - task.deadline).days + 1))
            )
        else:
            out.missed += task.deadline < until
            continue
        if done <= task.deadline:
            out.on_time += 1
        else:
            out.late += 1
        if task.kind == "product_message":
            customers = assignment.customers_of(session, task.staff_id)
            msg = ProductMessage(
                staff_id=task.staff_id,
                username="demo",
                sent_on=done,
                product_code="WM-180",
                message="新发稳健理财，欢迎垂询",
                recipients=len(customers),
            )
            session.add(msg)
            session.flush()
            session.add_all(
                ProductMessageRecipient(message_id=msg.id, customer_id=c) for c in customers
            )
            task.status, task.done_on = "done", done
            out.messages += 1
            continue
        if task.customer_id is None:
            continue
        kinds = CHANNELS.get(task.kind, ("phone",))
        contact = Contact(
            customer_id=task.customer_id,
            staff_id=task.staff_id,
            username="demo",
            channel=kinds[int(rng.integers(len(kinds)))],
            contacted_at=_moment(done, rng),
            outcome=OUTCOMES[int(rng.integers(len(OUTCOMES)))]
            if task.kind == "contact"
            else "reached",
            note=NOTES.get(task.kind, ("",))[int(rng.integers(len(NOTES.get(task.kind, ("",)))))],
            task_id=task.id,
        )
        session.add(contact)
        session.flush()
        task.status, task.done_on, task.contact_id = "done", done, contact.id
        out.contacts += 1
    session.flush()
    return out


PREFERENCES = ("稳健理财", "大额存单", "基金定投", "保险保障", "贵金属", "国债")


def profiles(session: Session, seed: int) -> tuple[int, int]:
    """建档 the demo's staff have done: product preference for about three in four customers of
    5万 and above (a few celebrate a lunar birthday), a service plan for about two in three of
    100万 and above. Returns (profiles, plans)."""
    rng = np.random.default_rng(seed + 1)
    rows = session.execute(
        select(Customer.customer_id, Customer.aum_month_avg_fen)
        .where(Customer.status == "active", Customer.aum_month_avg_fen >= 5_000_000)
        .order_by(Customer.customer_id)
    ).all()
    ids = [c for c, _ in rows]
    aum = np.array([a for _, a in rows], dtype=np.int64)
    keep = rng.random(len(ids)) < 0.75
    now = datetime.now(UTC)
    chosen = [c for c, k in zip(ids, keep, strict=True) if k]
    bulk.insert(
        session,
        CustomerProfile.__table__,  # type: ignore[arg-type]
        pa.table(
            {
                "customer_id": pa.array(chosen, pa.string()),
                "lunar_birthday": pa.array(rng.random(len(chosen)) < 0.05, pa.bool_()),
                "product_preference": pa.array(
                    [PREFERENCES[i] for i in rng.integers(0, len(PREFERENCES), len(chosen))],
                    pa.string(),
                ),
                "updated_at": pa.array([now] * len(chosen), pa.timestamp("us", "UTC")),
                "updated_by": pa.array(["demo"] * len(chosen), pa.string()),
            }
        ),
    )
    rich = [c for c, a in zip(ids, aum, strict=True) if a >= 100_000_000 and rng.random() < 0.67]
    session.add_all(
        ServicePlan(
            customer_id=c,
            risk_tolerance="稳健型，可承受本金小幅波动",
            assets_liabilities="本行及他行金融资产为主，房贷余额较低",
            cash_flow="经营收入稳定，季度有大额回款",
            fund_flows="他行理财到期资金可引导回流",
            products_used="定期存款、理财、基金、保险",
            updated_by="demo",
        )
        for c in rich
    )
    session.flush()
    return len(chosen), len(rich)
