"""Queries over tasks, contacts and product messages; every list goes through the scope."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bankcrm.customers.models import Customer
from bankcrm.maintenance.models import Contact, Task
from bankcrm.orgs.models import Staff
from bankcrm.security.actor import Actor
from bankcrm.security.scope import scoped_work


def task_rows(
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
    overdue_on: date | None = None,
    limit: int = 500,
    offset: int = 0,
) -> tuple[list[tuple[Task, str | None, str | None]], int]:
    st = aliased(Staff)
    stmt = (
        select(Task, Customer.name.label("customer_name"), st.name.label("staff_name"))
        .outerjoin(Customer, Customer.customer_id == Task.customer_id)
        .outerjoin(st, st.staff_id == Task.staff_id)
    )
    conditions = []
    if first is not None:
        conditions.append(Task.due_on >= first)
    if last is not None:
        conditions.append(Task.due_on <= last)
    if staff_id is not None:
        conditions.append(Task.staff_id == staff_id)
    if org_id is not None:
        conditions.append(Task.org_id == org_id)
    if kind is not None:
        conditions.append(Task.kind == kind)
    if status is not None:
        conditions.append(Task.status == status)
    if customer_id is not None:
        conditions.append(Task.customer_id == customer_id)
    if overdue_on is not None:
        conditions += [Task.status == "open", Task.deadline < overdue_on]
    stmt = scoped_work(stmt.where(*conditions), actor, Task.staff_id, Task.org_id)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(
        stmt.order_by(Task.due_on, Task.kind, Task.id).limit(limit).offset(offset)
    ).all()
    return [(t, cn, sn) for t, cn, sn in rows], total


def task(session: Session, actor: Actor, task_id: int) -> Task | None:
    stmt = scoped_work(select(Task).where(Task.id == task_id), actor, Task.staff_id, Task.org_id)
    return session.scalars(stmt).first()


def open_tasks(
    session: Session, customer_id: str, kinds: tuple[str, ...], first: date, last: date
) -> list[Task]:
    """The customer's open tasks of `kinds` due in [first, last], earliest first."""
    stmt = (
        select(Task)
        .where(
            Task.customer_id == customer_id,
            Task.status == "open",
            Task.kind.in_(kinds),
            Task.due_on >= first,
            Task.due_on <= last,
        )
        .order_by(Task.due_on, Task.id)
    )
    return list(session.scalars(stmt))


def open_batch_task(session: Session, staff_id: str, on: date) -> Task | None:
    """The owner's oldest open product-message task due on or before `on`."""
    stmt = (
        select(Task)
        .where(
            Task.staff_id == staff_id,
            Task.kind == "product_message",
            Task.status == "open",
            Task.due_on <= on,
        )
        .order_by(Task.due_on, Task.id)
        .limit(1)
    )
    return session.scalars(stmt).first()


def contacts_of(session: Session, customer_id: str, limit: int = 100) -> list[Contact]:
    stmt = (
        select(Contact)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.contacted_at.desc(), Contact.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
