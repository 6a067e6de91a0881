"""Compliance math on a hand-worked month, its scope and drill-down, 建档 coverage and the
weekly outlet-meeting workbook."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastexcel import read_excel
from sqlalchemy.orm import Session

from bankcrm.errors import Forbidden
from bankcrm.maintenance import compliance
from bankcrm.maintenance.models import CustomerProfile, ServicePlan, Task
from tests.maintenance.bank import Bank, actor

pytestmark = pytest.mark.db
NOV = (date(2026, 11, 1), date(2026, 11, 30))
TODAY = date(2026, 11, 25)


def task(
    session: Session,
    n: int,
    staff: str,
    *,
    due: date,
    deadline: date,
    done: date | None = None,
    tier: str = "中端",
    org: str = "OU1",
) -> None:
    session.add(
        Task(
            key=f"t{n}",
            staff_id=staff,
            org_id=org,
            customer_id=f"C{n}",
            tier=tier,
            kind="contact",
            occasion="联系",
            due_on=due,
            deadline=deadline,
            status="done" if done else "open",
            done_on=done,
            generated_on=date(2026, 10, 31),
            run="test",
        )
    )


@pytest.fixture
def month(bank: Bank) -> Bank:
    """W1: one on time, one late, one missed, one pending; W2: two on time (one 高端); a task
    of December and one of OU3 that November's OU1 figures must not count."""
    s = bank.session
    task(s, 1, "W1", due=date(2026, 11, 3), deadline=date(2026, 11, 15), done=date(2026, 11, 15))
    task(s, 2, "W1", due=date(2026, 11, 4), deadline=date(2026, 11, 15), done=date(2026, 11, 16))
    task(s, 3, "W1", due=date(2026, 11, 10), deadline=date(2026, 11, 24))
    task(s, 4, "W1", due=date(2026, 11, 20), deadline=date(2026, 11, 30))
    task(s, 5, "W2", due=date(2026, 11, 2), deadline=date(2026, 11, 2), done=date(2026, 11, 2))
    task(
        s,
        6,
        "W2",
        due=date(2026, 11, 9),
        deadline=date(2026, 11, 30),
        done=date(2026, 11, 1),
        tier="高端",
    )
    task(s, 7, "W1", due=date(2026, 12, 1), deadline=date(2026, 12, 15))
    task(s, 8, "W4", due=date(2026, 11, 5), deadline=date(2026, 11, 6), org="OU3")
    s.flush()
    return bank


def test_rates_per_manager_and_outlet(month: Bank) -> None:
    s = month.session
    rows = compliance.compliance(s, actor("H1"), *NOV, by=("org", "staff"), today=TODAY)
    got = {r.staff_id: (r.due, r.on_time, r.late, r.missed, r.pending, r.rate) for r in rows}
    assert got == {
        "W1": (4, 1, 1, 1, 1, Decimal("0.3333")),  # 1 on time of 3 settled
        "W2": (2, 2, 0, 0, 0, Decimal("1.0000")),
    }
    (outlet,) = compliance.compliance(s, actor("H1"), *NOV, by=("org",), today=TODAY)
    assert (outlet.org_name, outlet.due, outlet.on_time, outlet.rate) == (
        "南湖网点",
        6,
        3,
        Decimal("0.6000"),
    )
    by_tier = compliance.compliance(s, actor("H1"), *NOV, by=("tier",), today=TODAY)
    assert {r.tier: r.due for r in by_tier} == {"中端": 5, "高端": 1}
    # the sub-branch sees both outlets; W1 only their own row; another sub-branch nothing of OU1
    assert {
        r.org_id for r in compliance.compliance(s, actor("V1"), *NOV, by=("org",), today=TODAY)
    } == {"OU1"}
    mine = compliance.compliance(s, actor("W1"), *NOV, today=TODAY)
    assert [r.staff_id for r in mine] == ["W1"]
    other = compliance.compliance(s, actor("H3"), *NOV, by=("org",), today=TODAY)
    assert [(r.org_id, r.missed) for r in other] == [("OU3", 1)]


def test_the_drill_down_lists_the_missed_tasks(month: Bank) -> None:
    missed = compliance.missed(month.session, actor("H1"), *NOV, today=TODAY)
    assert [(t.customer_id, t.staff_id, t.overdue) for t in missed] == [("C3", "W1", True)]


def _profile(
    bank: Bank, cid: str, wan: int, *, complete: bool, plan: bool = False, **kw: object
) -> None:
    fields = (
        {
            "address": "南湖区东升路 1 号",
            "employer": "嘉兴某公司",
            "phone": "13912345678",
            "home_phone": "0573-8888888",
            "risk_level": "C3",
        }
        if complete
        else {}
    )
    bank.customer(cid, "OU1", "大众", aum_month_avg_fen=wan * 1_000_000, **fields, **kw)
    if complete:
        bank.session.add(
            CustomerProfile(customer_id=cid, product_preference="稳健理财", updated_by="t")
        )
    if plan:
        bank.session.add(
            ServicePlan(
                customer_id=cid,
                risk_tolerance="稳健",
                assets_liabilities="房产两套",
                cash_flow="月入 5 万",
                fund_flows="他行理财到期",
                products_used="定期、理财",
                updated_by="t",
            )
        )
    bank.session.flush()


def test_profile_coverage_against_the_policy_targets(bank: Bank) -> None:
    _profile(bank, "A", 6, complete=True)
    _profile(bank, "B", 7, complete=False)
    _profile(
        bank, "C", 30, complete=True, has_debit_gold=True, has_credit_card=True, e_banking=True
    )
    _profile(bank, "D", 150, complete=True, plan=True, product_count=5, has_debit_gold=True)
    _profile(bank, "E", 2, complete=False)  # below 5万: outside every band
    cov, targets = compliance.coverage(bank.session, actor("H1"))
    got = {c.band: (c.customers, c.profiled, c.share, c.met) for c in cov}
    assert got == {
        "5万+": (4, 3, Decimal("0.7500"), False),  # target 80%
        "20万+": (2, 2, Decimal("1.0000"), True),
        "100万+": (1, 1, Decimal("1.0000"), True),
    }
    t = {r.measure: (r.customers, r.meeting, r.met) for r in targets}
    assert t["100万+ 服务方案"] == (1, 1, True)
    assert t["100万+ 持有产品 ≥ 5"] == (1, 1, True)
    assert t["20万+ 借记金卡"] == (2, 2, True)
    assert t["20万+ 信用卡"] == (2, 1, False)  # 50% < 80%
    with pytest.raises(Forbidden):
        compliance.coverage(bank.session, actor("W1"))


def test_the_weekly_meeting_workbook(month: Bank) -> None:
    month.customer("C3", "OU1", "中端")
    data = compliance.meeting_workbook(month.session, actor("H1"), date(2026, 11, 18), "OU1")
    book = read_excel(data)
    assert book.sheet_names[1:] == ["2026年11月达标", "未完成任务", "建档覆盖", "产品指标"]
    missed = book.load_sheet("未完成任务", header_row=None).to_arrow().to_pylist()
    assert "导出人：H1" in str(missed[0]["__UNNAMED__0"])
    assert missed[1]["__UNNAMED__3"] == "客户号" and missed[2]["__UNNAMED__3"] == "C3"
    assert missed[2]["__UNNAMED__4"] == "欧**华"  # masked
