"""Retention cases on the small bank: who gets one, the seeded control draw, outcomes after the
window, actions that log a maintenance contact, and the work scope."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bankcrm.assignment.models import CustomerOwner
from bankcrm.assignment.service import run_nightly
from bankcrm.churn import case_schemas as cs
from bankcrm.churn import cases, jobs
from bankcrm.churn.models import ChurnScore, RetentionAction, RetentionCase
from bankcrm.customers.models import Customer
from bankcrm.errors import Conflict, NotFound
from bankcrm.kit import clock
from bankcrm.maintenance import schemas as ms
from bankcrm.maintenance.models import Task
from bankcrm.maintenance.tasks import generate
from tests.maintenance.bank import AS_OF, Bank, actor
from tests.maintenance.conftest import bank, business_day  # noqa: F401  (the shared fixtures)

pytestmark = pytest.mark.db
Pin = Callable[[date], None]
NOBODY_IN_CONTROL = cases.Options(control_share=0.0)
REASONS = [
    {"code": "outflow_other_bank_30d_fen", "text": "近30天转出他行 38.2万", "contribution": 0.8},
    {"code": "maturing_30d_fen", "text": "30天内到期 20万", "contribution": 0.3},
]
INDICATORS = [{"code": "logins_falling", "text": "手机银行登录减少"}]


def score(s: Session, cid: str, p: float, band: str = "high", reasons: object = None) -> None:
    s.add(
        ChurnScore(
            customer_id=cid,
            model_version="m1",
            score=p,
            band=band,
            reasons=json.dumps(REASONS if reasons is None else reasons, ensure_ascii=False),
            indicators=json.dumps(INDICATORS, ensure_ascii=False),
            as_of=AS_OF,
        )
    )
    s.flush()


def all_cases(s: Session, opened_on: date = AS_OF) -> dict[str, RetentionCase]:
    s.expire_all()
    stmt = select(RetentionCase).where(RetentionCase.opened_on == opened_on)
    return {c.customer_id: c for c in s.scalars(stmt)}


def owner(s: Session, cid: str) -> str:
    found = s.get(CustomerOwner, cid)
    assert found is not None
    return found.staff_id


@pytest.fixture
def scored(bank: Bank) -> Bank:  # noqa: F811
    s = bank.session
    bank.customer("C1", "OU1", "中端")  # high risk, maintained: a case
    bank.customer("C2", "OU1", "大众")  # high risk, tier not maintained
    bank.customer("C3", "OU1", "中端")  # medium risk (0.45)
    bank.customer("C4", "OU1", "高端")  # closed (below)
    bank.customer("C5", "OU3", "高端")  # high risk, other sub-branch: a case
    bank.customer("C6", "OU1", "中端")  # no score
    closed = s.get(Customer, "C4")
    assert closed is not None
    closed.status, closed.closed_on = "closed", AS_OF
    run_nightly(s, AS_OF)
    for cid, p, band in (("C1", 0.8, "high"), ("C2", 0.9, "high"), ("C3", 0.45, "medium")):
        score(s, cid, p, band)
    score(s, "C4", 0.95)
    score(s, "C5", 0.7)
    return bank


def test_cases_open_above_the_threshold_in_maintained_tiers_only(scored: Bank) -> None:
    s = scored.session
    run = jobs.run(s, AS_OF, NOBODY_IN_CONTROL)
    found = all_cases(s)
    assert sorted(found) == ["C1", "C5"] and (run.opened, run.control) == (2, 0)
    c1 = found["C1"]
    assert (c1.group_name, c1.owner_staff_id, c1.org_id, c1.tier) == (
        "treated",
        owner(s, "C1"),
        "OU1",
        "中端",
    )
    assert c1.due_on == date(2026, 11, 14) and c1.window_end == date(2027, 1, 31)
    assert c1.aum_month_avg_fen == 21 * 1_000_000 and json.loads(c1.reasons) == REASONS
    assert json.loads(c1.suggested_actions) == [
        "到期续作方案",
        "了解资金去向",
        "推荐同类产品",
        "手机银行激活",
    ]
    # a lower threshold by score takes the medium one too (still maintained tiers only)
    s.execute(delete(RetentionCase))
    lower = cases.open_cases(s, AS_OF, cases.Options(min_score=0.4, control_share=0.0))
    assert lower.treated == 3 and sorted(all_cases(s)) == ["C1", "C3", "C5"]


def test_no_second_case_while_one_runs_and_a_rerun_changes_nothing(scored: Bank) -> None:
    s = scored.session
    jobs.run(s, AS_OF, NOBODY_IN_CONTROL)
    again = jobs.run(s, AS_OF, NOBODY_IN_CONTROL)
    later = jobs.run(s, date(2026, 11, 30), NOBODY_IN_CONTROL)
    assert (again.opened, later.opened) == (0, 0)
    assert s.scalar(select(func.count()).select_from(RetentionCase)) == 2


def test_without_scores_the_step_is_a_no_op_with_a_note(bank: Bank) -> None:  # noqa: F811
    bank.customer("C1", "OU1", "中端")
    run = jobs.run(bank.session, AS_OF)
    assert (run.opened, run.control, run.outcomes_set) == (0, 0, 0)
    assert "尚无流失评分" in run.line()


def test_the_control_share_is_near_ten_percent_and_reproducible_from_the_seed(
    bank: Bank,  # noqa: F811
) -> None:
    s = bank.session
    ids = [f"K{i:04d}" for i in range(400)]
    for cid in ids:
        bank.customer(cid, "OU1", "中端")
        score(s, cid, 0.8)
    first = cases.open_cases(s, AS_OF)
    drawn = {cid: (c.group_name, c.seed) for cid, c in all_cases(s).items()}
    # 400 draws at 10%: mean 40, sd 6 — 4 sd either side
    assert first.eligible == 400 and 16 <= first.control <= 64
    for cid, (group, seed) in drawn.items():
        assert seed == cases.case_seed(0, cid, AS_OF)
        assert (group == "control") == cases.in_control(seed, 0.10)
    s.execute(delete(RetentionCase))
    cases.open_cases(s, AS_OF)
    assert {cid: (c.group_name, c.seed) for cid, c in all_cases(s).items()} == drawn
    # the draw itself, on many customers: the share converges on 10%
    share = sum(cases.in_control(cases.case_seed(0, f"X{i}", AS_OF), 0.1) for i in range(20_000))
    assert abs(share / 20_000 - 0.10) < 0.007  # 3.3 sd


def test_control_cases_are_recorded_with_no_owner_and_no_work(scored: Bank) -> None:
    s = scored.session
    run = jobs.run(s, AS_OF, cases.Options(control_share=1.0))
    assert (run.opened, run.control) == (0, 2)
    c1 = all_cases(s)["C1"]
    assert (c1.group_name, c1.owner_staff_id) == ("control", None)
    assert cases.list_cases(s, actor(owner(s, "C1"))).total == 0
    assert cases.list_cases(s, actor("H1")).total == 0  # not even the head's work
    with pytest.raises(NotFound):
        cases.get_case(s, actor("H1"), c1.id)


@pytest.mark.parametrize(
    ("now_fen", "status", "outcome"),
    [
        (10_500_000, "active", "lost"),  # exactly half of 21万: fell 50%
        (10_500_001, "active", "retained"),  # a fen above half
        (30_000_000, "closed", "lost"),  # closed, whatever the balance
        (0, "active", "lost"),
    ],
)
def test_outcomes_after_the_window_for_treated_and_control(
    scored: Bank, now_fen: int, status: str, outcome: str
) -> None:
    s = scored.session
    jobs.run(s, AS_OF, NOBODY_IN_CONTROL)
    c5 = all_cases(s)["C5"]
    c5.group_name, c5.owner_staff_id = "control", None  # one of each group
    customer = s.get(Customer, "C1")
    assert customer is not None
    customer.aum_month_avg_fen, customer.status = now_fen, status
    s.flush()
    before = jobs.run(s, date(2027, 1, 30), NOBODY_IN_CONTROL)
    assert before.outcomes_set == 0  # window ends 2027-01-31
    run = jobs.run(s, date(2027, 1, 31), NOBODY_IN_CONTROL)
    found = all_cases(s)
    assert (found["C1"].outcome, found["C1"].status) == (outcome, "closed")
    assert found["C1"].outcome_on == date(2027, 1, 31)
    assert found["C1"].outcome_aum_month_avg_fen == now_fen
    assert found["C5"].outcome == "retained"  # 101万 at opening, unchanged
    assert run.outcomes == {"retained": 1 + (outcome == "retained"), "lost": outcome == "lost"}
    # their cases ended: still at risk, the active ones get a new case that night
    assert sorted(all_cases(s, date(2027, 1, 31))) == ["C1", "C5"][status == "closed" :]


def test_the_outcome_rule_by_hand() -> None:
    assert cases.is_lost(1_000_000, 500_000, "active")
    assert not cases.is_lost(1_000_000, 500_001, "active")
    assert cases.is_lost(1_000_000, None, "active")
    assert cases.is_lost(1_000_000, 2_000_000, "closed")
    assert cases.is_lost(1_000_000, 2_000_000, None)  # gone from the extract
    assert cases.plus_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


@pytest.fixture
def booked(scored: Bank, business_day: Pin) -> tuple[Bank, RetentionCase]:  # noqa: F811
    s = scored.session
    generate(s, AS_OF)
    jobs.run(s, AS_OF, NOBODY_IN_CONTROL)
    business_day(date(2026, 11, 20))
    return scored, all_cases(s)["C1"]


def test_a_contact_on_the_case_logs_a_contact_that_completes_a_task(
    booked: tuple[Bank, RetentionCase],
) -> None:
    world, case = booked
    s = world.session
    me = actor(case.owner_staff_id or "")
    first = s.scalars(
        select(Task)
        .where(Task.customer_id == "C1", Task.status == "open", Task.kind == "contact")
        .order_by(Task.due_on, Task.id)
    ).first()
    assert first is not None
    at = datetime(2026, 11, 19, 10, tzinfo=clock.BEIJING)
    body = cs.ActionIn(kind=cs.ActionKind.contact, channel=ms.Channel.visit, contacted_at=at)
    out = cases.log_action(s, me, case.id, body)
    assert out.completed_task_id == first.id and out.acted_on == date(2026, 11, 19)
    s.expire_all()
    task = s.get(Task, first.id)
    assert task is not None and (task.status, task.contact_id) == ("done", out.contact_id)
    offer = cs.ActionIn(kind=cs.ActionKind.offer, note="推荐 3 个月定期续作")
    cases.log_action(s, me, case.id, offer)
    detail = cases.get_case(s, me, case.id)
    assert [a.kind for a in detail.actions] == ["contact", "offer"]
    assert detail.customer_name == "欧**华"  # masked
    closed = cases.close_case(s, me, case.id, cs.CloseIn(note="客户已续存"))
    assert closed.status == "closed" and closed.outcome is None  # the batch sets it later
    with pytest.raises(Conflict):
        cases.log_action(s, me, case.id, offer)
    assert len(list(s.scalars(select(RetentionAction)))) == 3


def test_an_owner_sees_only_their_cases_and_a_head_their_subtree(
    booked: tuple[Bank, RetentionCase],
) -> None:
    world, case = booked
    s = world.session
    mine = case.owner_staff_id or ""
    other = next(x for x in ("W1", "W2", "A1", "L1", "T1") if x != mine)
    assert [c.customer_id for c in cases.list_cases(s, actor(mine)).items] == ["C1"]
    assert cases.list_cases(s, actor(other)).items == []
    for outsider in (other, "H3", "H2"):
        with pytest.raises(NotFound):
            cases.get_case(s, actor(outsider), case.id)
        with pytest.raises(NotFound):
            cases.log_action(
                s, actor(outsider), case.id, cs.ActionIn(kind=cs.ActionKind.note, note="x")
            )
    assert [c.customer_id for c in cases.list_cases(s, actor("H1")).items] == ["C1"]
    assert sorted(c.customer_id for c in cases.list_cases(s, actor("V1")).items) == ["C1"]
    assert [c.customer_id for c in cases.list_cases(s, actor("H3")).items] == ["C5"]
