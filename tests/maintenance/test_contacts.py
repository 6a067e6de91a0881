"""Contact logging completes exactly the matching task; batch product messages; task scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.assignment.service import run_nightly
from bankcrm.errors import Conflict, Forbidden, InvalidInput, NotFound
from bankcrm.kit import clock
from bankcrm.maintenance import schemas as ms
from bankcrm.maintenance import service
from bankcrm.maintenance.models import Contact, ProductMessageRecipient, Task
from bankcrm.maintenance.tasks import generate
from bankcrm.security.models import AuditEvent
from tests.maintenance.bank import AS_OF, Bank, actor

pytestmark = pytest.mark.db
Pin = Callable[[date], None]


def at(day: date, hour: int = 0) -> datetime:
    """A moment of `day` never later than "now" on that business day."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.BEIJING)


def open_tasks(session: Session, cid: str) -> list[Task]:
    session.expire_all()
    stmt = select(Task).where(Task.customer_id == cid, Task.status == "open")
    return list(session.scalars(stmt.order_by(Task.due_on, Task.id)))


@pytest.fixture
def booked(bank: Bank, business_day: Pin) -> Bank:
    bank.customer("C1", "OU1", "中端", birth=date(1980, 11, 20))
    bank.customer("C2", "OU1", "中端")
    run_nightly(bank.session, AS_OF)  # C1 → A1, C2 → L1
    generate(bank.session, AS_OF)
    business_day(date(2026, 11, 20))
    return bank


def test_a_birthday_call_completes_the_greeting_and_nothing_else(booked: Bank) -> None:
    s = booked.session
    before = {t.id for t in open_tasks(s, "C1")}
    out = service.log_contact(
        s,
        actor("A1"),
        ms.ContactIn(
            customer_id="C1", channel=ms.Channel.phone, contacted_at=at(date(2026, 11, 20))
        ),
    )
    assert out.completed_task is not None and out.completed_task.occasion == "生日问候"
    after = {t.id for t in open_tasks(s, "C1")}
    assert before - after == {out.completed_task.id}  # exactly one task
    done = s.get(Task, out.completed_task.id)
    assert done is not None and (done.status, done.done_on, done.contact_id) == (
        "done",
        date(2026, 11, 20),
        out.id,
    )


def test_a_visit_completes_the_months_earliest_open_contact(booked: Bank) -> None:
    s = booked.session
    first_contact = next(t for t in open_tasks(s, "C1") if t.kind == "contact")
    out = service.log_contact(
        s,
        actor("A1"),
        ms.ContactIn(
            customer_id="C1", channel=ms.Channel.visit, contacted_at=at(date(2026, 11, 19))
        ),
    )
    assert out.completed_task is not None and out.completed_task.id == first_contact.id
    # done after its slot's deadline (11-15): it counts, as late
    assert out.completed_task.deadline < date(2026, 11, 19)


def test_a_contact_from_the_today_list_completes_that_task(booked: Bank) -> None:
    s = booked.session
    second = [t for t in open_tasks(s, "C1") if t.kind == "contact"][1]
    out = service.log_contact(
        s,
        actor("A1"),
        ms.ContactIn(
            customer_id="C1", channel=ms.Channel.wechat, task_id=second.id, note="约了面谈"
        ),
    )
    assert out.completed_task is not None and out.completed_task.id == second.id
    with pytest.raises(Conflict):  # done already
        service.log_contact(
            s,
            actor("A1"),
            ms.ContactIn(customer_id="C1", channel=ms.Channel.phone, task_id=second.id),
        )
    with pytest.raises(NotFound):  # a task of another customer
        other = open_tasks(s, "C2")[0]
        service.log_contact(
            s,
            actor("A1"),
            ms.ContactIn(customer_id="C1", channel=ms.Channel.phone, task_id=other.id),
        )
    audits = s.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "contact")
    )
    assert audits == 1  # the failed attempts left nothing


def test_contacts_are_for_customers_in_scope_and_not_in_the_future(booked: Bank) -> None:
    s = booked.session
    with pytest.raises(NotFound):  # L1's customer, not A1's
        service.log_contact(
            s, actor("A1"), ms.ContactIn(customer_id="C2", channel=ms.Channel.phone)
        )
    with pytest.raises(InvalidInput):
        later = clock.now() + timedelta(days=1)
        service.log_contact(
            s,
            actor("A1"),
            ms.ContactIn(customer_id="C1", channel=ms.Channel.phone, contacted_at=later),
        )
    with pytest.raises(Forbidden):  # no staff number: cannot log
        from dataclasses import replace

        service.log_contact(
            s,
            replace(actor("A1"), staff_id=None),
            ms.ContactIn(customer_id="C1", channel=ms.Channel.phone),
        )
    assert s.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_manager_sees_only_their_own_tasks_and_the_head_the_outlets(booked: Bank) -> None:
    s = booked.session
    mine = service.list_tasks(s, actor("A1"))
    assert mine.total > 0 and {t.staff_id for t in mine.items} == {"A1"}
    assert {t.customer_id for t in mine.items} <= {"C1", None}
    head = service.list_tasks(s, actor("H1"))
    assert {t.staff_id for t in head.items} == {"A1", "L1"}
    assert service.list_tasks(s, actor("H3")).total == 0  # another sub-branch's outlet
    assert all(t.customer_name in (None, "欧**华") for t in head.items)  # masked
    today = service.today_list(s, actor("A1"))
    assert all(t.due_on <= date(2026, 11, 20) and t.staff_id == "A1" for t in today.items)


def test_a_batch_product_message_records_its_recipients(booked: Bank) -> None:
    s = booked.session
    out = service.send_product_message(
        s,
        actor("A1"),
        ms.ProductMessageIn(message="新发稳健理财，年化业绩比较基准 2.8%", product_code="WM-180"),
    )
    assert out.recipients == 1 and out.completed_task_id is not None
    recipients = s.scalars(
        select(ProductMessageRecipient.customer_id).where(
            ProductMessageRecipient.message_id == out.id
        )
    ).all()
    assert recipients == ["C1"]
    task = s.get(Task, out.completed_task_id)
    assert task is not None and task.kind == "product_message" and task.status == "done"
    with pytest.raises(NotFound):  # recipients must be in scope
        service.send_product_message(
            s, actor("A1"), ms.ProductMessageIn(message="x", customer_ids=["C2"])
        )


def test_profile_fields_and_the_service_plan(booked: Bank) -> None:
    s = booked.session
    assert service.profile(s, actor("A1"), "C1").model_dump() == {
        "customer_id": "C1",
        "lunar_birthday": False,
        "product_preference": None,
        "service_plan": None,
    }
    service.set_profile(
        s, actor("A1"), "C1", ms.ProfileIn(lunar_birthday=True, product_preference="大额存单")
    )
    plan = ms.ServicePlanIn(
        risk_tolerance="稳健",
        assets_liabilities="房产一套，无负债",
        cash_flow="工资月入 3 万",
        fund_flows="他行定期明年到期",
        products_used="定期、理财",
    )
    service.set_service_plan(s, actor("A1"), "C1", plan)
    seen = service.profile(s, actor("H1"), "C1")
    assert (
        seen.lunar_birthday and seen.product_preference == "大额存单" and seen.service_plan == plan
    )
    with pytest.raises(NotFound):
        service.set_profile(s, actor("A1"), "C2", ms.ProfileIn())
