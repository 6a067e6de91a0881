"""Assignment (管户) under the shipped policies: owners by tier, stickiness, capacity,
attribution on upgrade, the leaver queue and hand-over with approval — each change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.assignment import handover
from bankcrm.assignment import schemas as hs
from bankcrm.assignment.models import AssignmentChange, CustomerOwner
from bankcrm.assignment.service import run_nightly
from bankcrm.errors import Conflict, Forbidden
from bankcrm.maintenance import policies
from bankcrm.maintenance.policy import parse_toml, preset_toml
from bankcrm.orgs.models import Staff
from bankcrm.security.models import AuditEvent
from tests.maintenance.bank import AS_OF, Bank, actor

pytestmark = pytest.mark.db


def owners(session: Session) -> dict[str, str]:
    rows = session.execute(select(CustomerOwner.customer_id, CustomerOwner.staff_id))
    return dict(rows.all())  # type: ignore[arg-type]


def owner(session: Session, cid: str) -> CustomerOwner:
    session.expire_all()
    row = session.get(CustomerOwner, cid)
    assert row is not None
    return row


def audit_rows(session: Session, cid: str) -> list[tuple[str, str | None]]:
    stmt = select(AuditEvent.action, AuditEvent.target).where(AuditEvent.customer_id == cid)
    return [(a, t) for a, t in session.execute(stmt.order_by(AuditEvent.id))]


def test_presets_place_each_tier_with_the_roles_the_policy_names(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "中端")
    bank.customer("C2", "OU1", "中端")
    bank.customer("C3", "OU1", "高端")
    bank.customer("C4", "OU2", "顶级")
    bank.customer("C5", "OU1", "大众")
    bank.customer("C6", "OU3", "中端")
    summary = run_nightly(s, AS_OF)
    # 中端 → the home outlet's front line, least-loaded first (ties by staff id);
    # 高端 → retail head or outlet head; 顶级 → the sub-branch's president or VP; 大众 → nobody
    assert owners(s) == {"C1": "A1", "C2": "L1", "C3": "H1", "C4": "P1", "C6": "W4"}
    assert summary.changes == {"initial": 5}
    assert owner(s, "C1").credit_staff_id == "A1" and owner(s, "C1").tier == "中端"
    # one audit row for the batch; every change in the history, naming the batch
    batch = s.scalars(select(AuditEvent).where(AuditEvent.action == "assignment")).all()
    assert len(batch) == 1 and batch[0].rows == 5
    assert s.scalar(select(AssignmentChange.batch).limit(1)) == "nightly:2026-10-31"


def test_owners_are_kept_and_new_customers_go_to_the_least_loaded(bank: Bank) -> None:
    s = bank.session
    for cid in ("C1", "C2"):
        bank.customer(cid, "OU1", "中端")
    run_nightly(s, AS_OF)
    again = run_nightly(s, AS_OF)
    assert again.changed == 0 and again.kept == 2
    bank.customer("C3", "OU1", "中端")
    run_nightly(s, AS_OF)
    assert owners(s) == {"C1": "A1", "C2": "L1", "C3": "T1"}  # T1, W1, W2 had none: T1


def test_upgrade_keeps_the_original_maintainer_as_originator_with_the_credit(bank: Bank) -> None:
    s = bank.session
    bank.customer("C3", "OU1", "高端")
    bank.customer("C1", "OU1", "中端")
    run_nightly(s, AS_OF)
    assert owner(s, "C1").staff_id == "A1"
    bank.set_tier("C1", "高端")
    summary = run_nightly(s, AS_OF)
    up = owner(s, "C1")
    assert summary.changes == {"upgrade": 1}
    assert (up.staff_id, up.originator_staff_id, up.credit_staff_id) == ("R1", "A1", "A1")
    # back down: to the originator, who keeps the credit
    bank.set_tier("C1", "中端")
    run_nightly(s, AS_OF)
    down = owner(s, "C1")
    assert (down.staff_id, down.originator_staff_id, down.credit_staff_id) == ("A1", None, "A1")
    reasons = s.scalars(
        select(AssignmentChange.reason)
        .where(AssignmentChange.customer_id == "C1")
        .order_by(AssignmentChange.id)
    ).all()
    assert reasons == ["initial", "upgrade", "downgrade"]


def test_the_customer_may_choose_who_gets_the_credit(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "中端")
    run_nightly(s, AS_OF)
    bank.set_tier("C1", "高端")
    run_nightly(s, AS_OF)
    handover.set_credit(s, actor("H1"), "C1", owner(s, "C1").staff_id)
    chosen = owner(s, "C1")
    assert chosen.credit_by_choice and chosen.credit_staff_id == chosen.staff_id == "H1"
    assert ("assignment", "credit") in audit_rows(s, "C1")


def test_capacity_leaves_customers_unassigned_and_in_the_queue(bank: Bank) -> None:
    s = bank.session
    spec = parse_toml(preset_toml("maintenance_3tier"))
    tight = spec.model_copy(
        update={"capacity": {**spec.capacity, "sub_branch_president": 1, "sub_branch_vp": 1}}
    )
    policies.save(s, "test", tight)
    for cid in ("C1", "C2", "C3"):
        bank.customer(cid, "OU1", "顶级", aum_month_avg_fen=None)
    summary = run_nightly(s, AS_OF)
    assert summary.unassigned == 1 and sorted(owners(s).values()) == ["P1", "V1"]
    queued = handover.queue(s, actor("H1"), "maintenance_3tier", ["中端", "高端", "顶级"])
    assert [q.customer_id for q in queued] == ["C3"]
    assert queued[0].why == "无合适人员或容量已满"


def test_a_leavers_customers_wait_for_the_outlet_head(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "中端")
    run_nightly(s, AS_OF)
    s.get(Staff, "A1").status = "left"  # type: ignore[union-attr]
    s.flush()
    summary = run_nightly(s, AS_OF)
    assert summary.leavers_queued == 1 and owner(s, "C1").staff_id == "A1"
    queued = handover.queue(s, actor("H1"), "maintenance_3tier", ["中端"])
    assert [(q.customer_id, q.why) for q in queued] == [("C1", "管户人离职")]
    with pytest.raises(Forbidden):
        handover.queue(s, actor("W1"), "maintenance_3tier", ["中端"])
    handover.reassign(s, actor("H1"), "C1", "W2")
    assert owner(s, "C1").staff_id == "W2"
    assert ("assignment", "reassign") in audit_rows(s, "C1")
    assert handover.queue(s, actor("H1"), "maintenance_3tier", ["中端"]) == []


def test_handover_needs_the_outlet_heads_approval(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "中端")
    run_nightly(s, AS_OF)
    assert owner(s, "C1").staff_id == "A1"
    req = handover.request(
        s, actor("A1"), hs.HandoverIn(customer_id="C1", to_staff_id="W1", reason="客户要求")
    )
    assert (req.status, req.approver_org_id, req.cross_outlet) == ("pending", "OU1", False)
    with pytest.raises(Conflict):  # one pending request per customer
        handover.request(
            s, actor("A1"), hs.HandoverIn(customer_id="C1", to_staff_id="W2", reason="再次")
        )
    with pytest.raises(Forbidden):  # the requester is no approver
        handover.decide(s, actor("A1"), req.id, hs.DecisionIn(decision=hs.Decision.approve))
    done = handover.decide(
        s, actor("H1"), req.id, hs.DecisionIn(decision=hs.Decision.approve, note="同意")
    )
    assert done.status == "approved" and done.decided_by == "H1"
    moved = owner(s, "C1")
    assert (moved.staff_id, moved.credit_staff_id, moved.assigned_by) == ("W1", "W1", "handover")
    history = s.scalars(select(AssignmentChange).where(AssignmentChange.reason == "handover")).one()
    assert (history.from_staff_id, history.to_staff_id, history.handover_id) == ("A1", "W1", req.id)
    assert [a for a, _ in audit_rows(s, "C1")].count("handover") == 2  # request + approval
    assert run_nightly(s, AS_OF).changed == 0  # the nightly keeps a handed-over owner


def test_across_outlets_the_sub_branch_decides(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "中端")
    run_nightly(s, AS_OF)
    req = handover.request(
        s, actor("A1"), hs.HandoverIn(customer_id="C1", to_staff_id="W3", reason="搬家")
    )
    assert (req.approver_org_id, req.cross_outlet) == ("SB1", True)
    with pytest.raises(Forbidden):
        handover.decide(s, actor("H1"), req.id, hs.DecisionIn(decision=hs.Decision.approve))
    handover.decide(s, actor("V1"), req.id, hs.DecisionIn(decision=hs.Decision.approve))
    assert owner(s, "C1").staff_id == "W3"
    assert run_nightly(s, AS_OF).changed == 0  # by hand, role fits: kept outside its outlet


def test_an_outlet_heads_own_request_goes_to_the_sub_branch(bank: Bank) -> None:
    s = bank.session
    bank.customer("C1", "OU1", "中端")
    run_nightly(s, AS_OF)
    req = handover.request(
        s, actor("H1"), hs.HandoverIn(customer_id="C1", to_staff_id="W2", reason="均衡")
    )
    assert req.approver_org_id == "SB1"
    rejected = handover.decide(
        s, actor("R1"), req.id, hs.DecisionIn(decision=hs.Decision.reject, note="不同意")
    )
    assert rejected.status == "rejected" and owner(s, "C1").staff_id == "A1"


def test_out_of_scope_customers_cannot_be_handed_over(bank: Bank) -> None:
    from bankcrm.errors import NotFound

    s = bank.session
    bank.customer("C6", "OU3", "中端")
    run_nightly(s, AS_OF)
    with pytest.raises(NotFound):
        handover.request(
            s, actor("W1"), hs.HandoverIn(customer_id="C6", to_staff_id="W1", reason="x")
        )
