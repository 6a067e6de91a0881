"""Maintenance work: the task calendar a user may see, contact logging (which completes the
matching task), batch product messages, and the 建档 fields staff keep.

Which task a contact completes (one contact, at most one task):
- `task_id` given (from the today list): that task, if it is open and for this customer;
- else by channel, on the day of the contact (Beijing time): a phone, SMS or WeChat contact on a
  greeting day completes that greeting; a gift completes a gift or, on the birthday, the flowers;
  a salon completes a salon invitation; a visit by the sub-branch president or VP completes an
  executive visit; anything else (and those, when no such task is due) completes the earliest
  open contact task of that month — or a contact task of the month before that is still open
  (done late).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.assignment import service as assignment
from bankcrm.customers import service as customers
from bankcrm.db import bulk
from bankcrm.errors import Conflict, Forbidden, InvalidInput, NotFound
from bankcrm.kit import clock
from bankcrm.kit.masking import name_or_none
from bankcrm.maintenance import repository as repo
from bankcrm.maintenance import schemas as s
from bankcrm.maintenance.compliance import month_bounds
from bankcrm.maintenance.models import (
    Contact,
    CustomerProfile,
    ProductMessage,
    ProductMessageRecipient,
    ServicePlan,
    Task,
)
from bankcrm.security import audit
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission, Role

GREETING_CHANNELS = ("phone", "sms", "wechat")
BACKDATE_DAYS = 31  # a contact may be logged up to a month late
BATCH_EARLY_DAYS = 7  # a batch product message may complete a batch task due within a week
EXECUTIVES = frozenset({Role.sub_branch_president, Role.sub_branch_vp})


def task_out(
    task: Task, customer_name: str | None, staff_name: str | None, today: date
) -> s.TaskOut:
    return s.TaskOut(
        id=task.id,
        customer_id=task.customer_id,
        customer_name=name_or_none(customer_name),
        tier=task.tier,
        kind=task.kind,
        kind_label=s.KIND_LABELS.get(task.kind, task.kind),
        occasion=task.occasion,
        due_on=task.due_on,
        deadline=task.deadline,
        status=task.status,
        done_on=task.done_on,
        staff_id=task.staff_id,
        staff_name=staff_name,
        overdue=task.status == "open" and task.deadline < today,
    )


def list_tasks(
    session: Session,
    actor: Actor,
    *,
    first: date | None = None,
    last: date | None = None,
    staff_id: str | None = None,
    org_id: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    customer_id: str | None = None,
    limit: int = 500,
    offset: int = 0,
    today: date | None = None,
) -> s.TaskPage:
    """Tasks in the actor's scope: their own for front-line staff, their units' for heads."""
    if not actor.can(Permission.list_customers):
        raise Forbidden("无权查看维护任务")
    rows, total = repo.task_rows(
        session,
        actor,
        first=first,
        last=last,
        staff_id=staff_id,
        org_id=org_id,
        kind=kind,
        status=status,
        customer_id=customer_id,
        limit=limit,
        offset=offset,
    )
    day = today or clock.today()
    audit.record(session, actor, audit.Action.list_customers, target="tasks", rows=len(rows))
    return s.TaskPage(items=[task_out(t, cn, sn, day) for t, cn, sn in rows], total=total)


def today_list(session: Session, actor: Actor, today: date | None = None) -> s.TaskPage:
    """What the user should do today: their open tasks due today or earlier and not yet past
    their deadline, then the overdue ones of the last month."""
    day = today or clock.today()
    if actor.staff_id is None:
        return s.TaskPage(items=[], total=0)  # no staff number: nobody's tasks are "mine"
    rows, _ = repo.task_rows(
        session,
        actor,
        first=day - timedelta(days=31),
        last=day,
        staff_id=actor.staff_id,
        status="open",
        limit=1000,
    )
    items = [task_out(t, cn, sn, day) for t, cn, sn in rows]
    audit.record(session, actor, audit.Action.list_customers, target="tasks", rows=len(items))
    items.sort(key=lambda t: (t.overdue, t.due_on != day, t.due_on))
    return s.TaskPage(items=items, total=len(items))


def _matching(
    session: Session, actor: Actor, customer_id: str, channel: str, on: date
) -> Task | None:
    """The task a contact completes when none is named: the first of the candidates (in the
    order of the module's docstring) that has an open task, one query each until found."""
    month_first, month_last = month_bounds(on)
    wanted: list[tuple[tuple[str, ...], date, date]] = []
    if channel in GREETING_CHANNELS:
        wanted.append((("greeting",), on, on))
    if channel == "gift":
        wanted += [(("flowers",), on, on), (("gift",), on - timedelta(31), on + timedelta(10))]
    if channel == "salon":
        wanted.append((("salon",), month_first - timedelta(31), month_last))
    if channel == "visit" and actor.roles & EXECUTIVES:
        wanted.append((("exec_visit",), month_first - timedelta(31), month_last))
    wanted.append((("contact",), month_first, month_last))
    prev_first, prev_last = month_bounds(month_first - timedelta(days=1))
    wanted.append((("contact",), prev_first, prev_last))
    for kinds, lo, hi in wanted:
        found = repo.open_tasks(session, customer_id, kinds, lo, hi)
        if found:
            return found[0]
    return None


def log_contact(session: Session, actor: Actor, body: s.ContactIn) -> s.ContactOut:
    """Record a contact with a customer in the actor's scope and complete the matching task."""
    if not actor.can(Permission.log_contact):
        raise Forbidden("无权登记维护记录")
    if actor.staff_id is None:
        raise Forbidden("只有在册员工可以登记维护记录（当前账户未关联工号）")
    customers.require_visible(session, actor, body.customer_id)
    now = clock.now()
    at = body.contacted_at or now
    if at.tzinfo is None:
        at = at.replace(tzinfo=clock.BEIJING)  # staff type Beijing wall-clock times
    if at > now + timedelta(minutes=5):
        raise InvalidInput("联系时间不能晚于现在", loc=("body", "contacted_at"))
    if at < now - timedelta(days=BACKDATE_DAYS):
        raise InvalidInput(f"联系时间不能早于 {BACKDATE_DAYS} 天前", loc=("body", "contacted_at"))
    day = clock.beijing_day(at)
    if body.task_id is not None:
        task = repo.task(session, actor, body.task_id)
        if task is None or task.customer_id != body.customer_id:
            raise NotFound(f"没有该客户的任务 {body.task_id}")
        if task.status != "open":
            raise Conflict(f"任务 {body.task_id} 已{s.STATUS_LABELS.get(task.status, task.status)}")
    else:
        task = _matching(session, actor, body.customer_id, body.channel.value, day)
    contact = Contact(
        customer_id=body.customer_id,
        staff_id=actor.staff_id,
        username=actor.username,
        channel=body.channel.value,
        contacted_at=at,
        outcome=body.outcome.value,
        note=body.note,
        next_step=body.next_step,
        product_code=body.product_code,
        task_id=task.id if task else None,
    )
    session.add(contact)
    session.flush()
    if task is not None:
        task.status, task.done_on, task.contact_id = "done", day, contact.id
    audit.record(
        session,
        actor,
        audit.Action.contact,
        customer_id=body.customer_id,
        target=f"contact:{contact.id}",
        detail={"channel": body.channel.value, "task": task.id if task else None},
    )
    session.flush()
    return s.ContactOut(
        id=contact.id,
        customer_id=contact.customer_id,
        channel=contact.channel,
        outcome=contact.outcome,
        contacted_at=at,
        note=contact.note,
        next_step=contact.next_step,
        product_code=contact.product_code,
        staff_id=contact.staff_id,
        completed_task=task_out(task, None, None, day) if task else None,
    )


def contacts(session: Session, actor: Actor, customer_id: str) -> list[s.ContactOut]:
    customers.require_visible(session, actor, customer_id, lookup=True)
    if not actor.can(Permission.view_customer):
        raise Forbidden("无权查看维护记录")
    audit.record(
        session, actor, audit.Action.view_customer, customer_id=customer_id, target="contacts"
    )
    return [
        s.ContactOut(
            id=c.id,
            customer_id=c.customer_id,
            channel=c.channel,
            outcome=c.outcome,
            contacted_at=c.contacted_at,
            note=c.note,
            next_step=c.next_step,
            product_code=c.product_code,
            staff_id=c.staff_id,
        )
        for c in repo.contacts_of(session, customer_id)
    ]


def send_product_message(
    session: Session, actor: Actor, body: s.ProductMessageIn, on: date | None = None
) -> s.ProductMessageOut:
    """One batch product message: its recipient list (explicit, or every customer the user
    maintains), and the user's oldest open product-message task due by a week from today
    completed (a message may go out early)."""
    if not actor.can(Permission.log_contact) or actor.staff_id is None:
        raise Forbidden("只有在册员工可以发送产品信息")
    day = on or clock.today()
    if body.customer_ids is None:
        recipients = assignment.customers_of(session, actor.staff_id)
    else:
        wanted = sorted(set(body.customer_ids))
        found = customers.visible_ids(session, actor, wanted)
        missing = [c for c in wanted if c not in found]
        if missing:
            raise NotFound(
                f"客户不存在：{'、'.join(missing[:5])}" + ("…" if len(missing) > 5 else "")
            )
        recipients = wanted
    if not recipients:
        raise InvalidInput("没有收件客户", loc=("body", "customer_ids"))
    message = ProductMessage(
        staff_id=actor.staff_id,
        username=actor.username,
        sent_on=day,
        product_code=body.product_code,
        message=body.message,
        recipients=len(recipients),
    )
    session.add(message)
    session.flush()
    bulk.insert(
        session,
        ProductMessageRecipient.__table__,  # type: ignore[arg-type]
        pa.table(
            {
                "message_id": pa.array([message.id] * len(recipients), pa.int64()),
                "customer_id": pa.array(recipients, pa.string()),
            }
        ),
    )
    task = repo.open_batch_task(session, actor.staff_id, day + timedelta(days=BATCH_EARLY_DAYS))
    if task is not None:
        task.status, task.done_on = "done", day
    audit.record(
        session,
        actor,
        audit.Action.contact,
        target=f"product_message:{message.id}",
        rows=len(recipients),
        detail={"product": body.product_code, "task": task.id if task else None},
    )
    return s.ProductMessageOut(
        id=message.id, recipients=len(recipients), completed_task_id=task.id if task else None
    )


def profile(session: Session, actor: Actor, customer_id: str) -> s.ProfileOut:
    """The 建档 fields and service plan of a customer in the actor's scope."""
    if not actor.can(Permission.view_customer):
        raise Forbidden("无权查看客户建档信息")
    customers.require_visible(session, actor, customer_id, lookup=True)
    row = session.get(CustomerProfile, customer_id)
    plan = session.get(ServicePlan, customer_id)
    audit.record(
        session, actor, audit.Action.view_customer, customer_id=customer_id, target="profile"
    )
    return s.ProfileOut(
        customer_id=customer_id,
        lunar_birthday=bool(row and row.lunar_birthday),
        product_preference=row.product_preference if row else None,
        service_plan=s.ServicePlanIn(
            risk_tolerance=plan.risk_tolerance,
            assets_liabilities=plan.assets_liabilities,
            cash_flow=plan.cash_flow,
            fund_flows=plan.fund_flows,
            products_used=plan.products_used,
        )
        if plan
        else None,
    )


def set_profile(session: Session, actor: Actor, customer_id: str, body: s.ProfileIn) -> None:
    if not actor.can(Permission.log_contact):
        raise Forbidden("无权维护客户建档信息")
    customers.require_visible(session, actor, customer_id)
    row = session.get(CustomerProfile, customer_id) or CustomerProfile(customer_id=customer_id)
    row.lunar_birthday = body.lunar_birthday
    row.product_preference = body.product_preference
    row.updated_at, row.updated_by = datetime.now(clock.BEIJING), actor.username
    session.add(row)
    session.flush()


def set_service_plan(
    session: Session, actor: Actor, customer_id: str, body: s.ServicePlanIn
) -> None:
    if not actor.can(Permission.log_contact):
        raise Forbidden("无权维护服务方案")
    customers.require_visible(session, actor, customer_id)
    row = session.get(ServicePlan, customer_id) or ServicePlan(customer_id=customer_id)
    for k, v in body.model_dump().items():
        setattr(row, k, v)
    row.updated_at, row.updated_by = datetime.now(clock.BEIJING), actor.username
    session.add(row)
    session.flush()
