"""The task calendar: what the standards generate over the 45-day horizon, how contacts are
spread, greetings on the day itself, idempotence, and what a change of owner or tier does."""

from __future__ import annotations

import zlib
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.assignment import handover
from bankcrm.assignment import schemas as hs
from bankcrm.assignment.service import run_nightly
from bankcrm.kit import holidays as days
from bankcrm.maintenance import holidays
from bankcrm.maintenance.models import CustomerProfile, Task
from bankcrm.maintenance.tasks import generate
from tests.maintenance.bank import AS_OF, Bank, actor

pytestmark = pytest.mark.db


def tasks(session: Session, **where: object) -> list[Task]:
    session.expire_all()
    stmt = select(Task).filter_by(**where).order_by(Task.due_on, Task.kind, Task.id)
    return list(session.scalars(stmt))


def test_a_mid_tier_customer_over_45_days(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "中端", birth=date(1980, 11, 20))
    run_nightly(s, AS_OF)
    summary = generate(s, AS_OF, horizon_days=45)
    assert (summary.first, summary.last) == (date(2026, 11, 1), date(2026, 12, 15))
    mine = tasks(s, customer_id="C1")
    contacts = [t for t in mine if t.kind == "contact"]
    # 2 a month: November's two halves and December's first; each in its slot, on a working day
    assert [(t.occasion, t.deadline) for t in contacts] == [
        ("11月第1次联系", date(2026, 11, 15)),
        ("11月第2次联系", date(2026, 11, 30)),
        ("12月第1次联系", date(2026, 12, 15)),
    ]
    cal = holidays.calendar(s, date(2026, 11, 1), date(2026, 12, 31))
    for t in contacts:
        assert cal.is_workday(t.due_on)
        assert t.deadline.day - 15 < t.due_on.day <= t.deadline.day
    greetings = [(t.occasion, t.due_on, t.deadline) for t in mine if t.kind == "greeting"]
    assert greetings == [("生日问候", date(2026, 11, 20), date(2026, 11, 20))]  # on the day
    assert not [t for t in mine if t.kind == "flowers"]  # flowers are for 100万+
    # salons: two a year, the second in month 7 + hash % 6
    salon_month = 7 + zlib.crc32(b"C1") % 6
    salons = [t for t in mine if t.kind == "salon"]
    assert [t.due_on.month for t in salons] == ([salon_month] if salon_month >= 11 else [])
    # product messages: one batch task per owner and slot, 4 a month
    batches = tasks(s, kind="product_message")
    assert [(t.staff_id, t.occasion) for t in batches] == [
        ("A1", "11月第1批产品信息"),
        ("A1", "11月第2批产品信息"),
        ("A1", "11月第3批产品信息"),
        ("A1", "11月第4批产品信息"),
        ("A1", "12月第1批产品信息"),
        ("A1", "12月第2批产品信息"),
    ]
    assert {t.staff_id for t in mine} == {"A1"} and {t.org_id for t in mine} == {"OU1"}
    assert summary.generated == len(tasks(s)) and summary.by_kind["contact"] == 3


def test_contacts_are_spread_through_the_month(bank: Bank) -> None:
    s = bank.session
    for i in range(40):
        bank.customer(f"C{i:02d}", "OU1", "中端")
    run_nightly(s, AS_OF)
    generate(s, AS_OF)
    firsts = Counter(t.due_on for t in tasks(s, kind="contact", occasion="11月第1次联系"))
    assert len(firsts) >= 6 and max(firsts.values()) <= 15  # not all on day 1


def test_holidays_greetings_gifts_and_the_new_year(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "高端")
    bank.customer("C2", "OU1", "顶级")
    on = date(2026, 12, 20)
    run_nightly(s, on)
    summary = generate(s, on, horizon_days=45)
    assert any("2027" in w for w in summary.warnings)  # no 2027 schedule yet: a warning
    c1 = tasks(s, customer_id="C1")
    assert [(t.occasion, t.due_on) for t in c1 if t.kind == "greeting"] == [
        ("元旦问候", date(2027, 1, 1))
    ]
    spring = date(2027, 2, 6)
    gift = [t for t in c1 if t.kind == "gift"]
    assert [(t.due_on, t.deadline) for t in gift] == [(date(2027, 1, 27), date(2027, 2, 5))]
    visits = [t for t in tasks(s) if t.kind == "exec_visit"]
    assert all(t.customer_id == "C2" and t.staff_id in ("P1", "V1") for t in visits)
    assert spring not in {t.due_on for t in tasks(s)}  # beyond the horizon


def test_the_2027_schedule_from_the_override_table_silences_the_warning(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "中端")
    rows = [
        days.OverrideRow(2027, "元旦", "holiday", date(2027, 1, 1), date(2027, 1, 3)),
        days.OverrideRow(2027, "春节", "holiday", date(2027, 2, 5), date(2027, 2, 11)),
    ]
    holidays.import_overrides(s, "admin", rows)
    run_nightly(s, date(2026, 12, 20))
    assert generate(s, date(2026, 12, 20)).warnings == []


def test_a_lunar_birthday(bank: Bank) -> None:
    s = bank.session
    birth = date(1980, 12, 1)
    bank.customer("C1", "OU1", "中端", birth=birth)
    s.add(CustomerProfile(customer_id="C1", lunar_birthday=True, updated_by="test"))
    run_nightly(s, AS_OF)
    generate(s, AS_OF)
    expected = days.birthdays_between(date(2026, 11, 1), date(2026, 12, 15), birth, lunar=True)
    got = [t.due_on for t in tasks(s, customer_id="C1", kind="greeting")]
    assert got == expected and got != [date(2026, 12, 1)]


def test_generation_is_idempotent_and_keeps_done_tasks(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "中端", birth=date(1980, 11, 20))
    run_nightly(s, AS_OF)
    first = generate(s, AS_OF)
    done = tasks(s, customer_id="C1", kind="contact")[0]
    done.status, done.done_on = "done", date(2026, 11, 3)
    s.flush()
    again = generate(s, AS_OF)
    assert (again.generated, again.removed) == (first.generated, 0)
    assert len(tasks(s)) == first.generated
    kept = s.get(Task, done.id)
    assert kept is not None and (kept.status, kept.done_on) == ("done", date(2026, 11, 3))


def test_a_new_owner_takes_over_open_tasks_and_a_lower_tier_drops_them(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "中端")
    run_nightly(s, AS_OF)
    generate(s, AS_OF)
    done = tasks(s, customer_id="C1", kind="contact")[0]
    done.status, done.done_on = "done", date(2026, 11, 3)
    req = handover.request(
        s, actor("A1"), hs.HandoverIn(customer_id="C1", to_staff_id="W1", reason="x")
    )
    handover.decide(s, actor("H1"), req.id, hs.DecisionIn(decision=hs.Decision.approve))
    generate(s, AS_OF)
    open_ = tasks(s, customer_id="C1", status="open")
    assert open_ and {t.staff_id for t in open_} == {"W1"}
    assert tasks(s, customer_id="C1", status="done")[0].staff_id == "A1"  # history stays
    batches = tasks(s, kind="product_message", status="open")  # W1's: nobody to message now
    bank.set_tier("C1", "大众")
    summary = generate(s, AS_OF)
    assert summary.removed == len(open_) + len(batches)
    assert [t.status for t in tasks(s)] == ["done"]
