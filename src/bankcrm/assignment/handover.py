"""Hand-over (移交), the reassignment queue and performance credit — the manual assignment
changes, each audited one by one.

- A hand-over is requested by the customer's owner or a head above the customer; the home
  outlet's head decides it — the sub-branch's head when the receiver sits in another outlet, or
  when the outlet head asked (nobody approves their own request).
- The queue: customers whose owner left (HR extract) and maintained customers the nightly could
  not place (no eligible staff or no capacity). A head places them directly.
- Credit (业绩归属): the customer may choose who gets it; that choice then survives upgrades.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from bankcrm.assignment import schemas as s
from bankcrm.assignment.models import AssignmentChange, CustomerOwner, Handover
from bankcrm.assignment.orgmap import OrgMap
from bankcrm.config import get_settings
from bankcrm.customers import service as customers
from bankcrm.customers.models import Customer
from bankcrm.errors import Conflict, Forbidden, InvalidInput, NotFound
from bankcrm.kit import clock
from bankcrm.kit.masking import name_or_none
from bankcrm.maintenance import policies
from bankcrm.orgs import service as orgs_service
from bankcrm.orgs.models import Staff
from bankcrm.security import audit
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission, Role
from bankcrm.security.scope import org_subtree, scoped
from bankcrm.tiering.models import CustomerTier

SUB_BRANCH_HEADS = frozenset({Role.sub_branch_president, Role.sub_branch_vp, Role.retail_head})


def _owner(session: Session, customer_id: str) -> CustomerOwner | None:
    return session.get(CustomerOwner, customer_id)


def _active_staff(session: Session, staff_id: str) -> Staff:
    st = orgs_service.staff_member(session, staff_id)
    if st is None or st.status != "active":
        raise InvalidInput(f"接收人 {staff_id} 不存在或已离职", loc=("body", "to_staff_id"))
    return st


def _record(
    session: Session,
    actor: Actor,
    customer_id: str,
    before: str | None,
    after: str | None,
    reason: str,
    handover_id: int | None = None,
) -> None:
    session.add(
        AssignmentChange(
            customer_id=customer_id,
            from_staff_id=before,
            to_staff_id=after,
            reason=reason,
            effective_on=clock.today(),
            changed_by=actor.username,
            handover_id=handover_id,
        )
    )
    action = audit.Action.handover if reason == "handover" else audit.Action.assignment
    audit.record(
        session,
        actor,
        action,
        customer_id=customer_id,
        target=f"handover:{handover_id}" if handover_id else reason,
        detail={"from": before, "to": after, "reason": reason},
    )


def _move(
    session: Session, owner: CustomerOwner | None, customer_id: str, to: Staff, how: str
) -> CustomerOwner:
    """`to` maintains the customer from today; the credit moves with it unless an originator
    keeps it or the customer chose."""
    if owner is None:
        owner = CustomerOwner(customer_id=customer_id, credit_by_choice=False)
        session.add(owner)
    keep_credit = owner.credit_by_choice or owner.originator_staff_id is not None
    owner.staff_id, owner.role, owner.since = to.staff_id, to.role, clock.today()
    owner.assigned_by = how
    if not keep_credit:
        owner.credit_staff_id = to.staff_id
    return owner


def request(session: Session, actor: Actor, body: s.HandoverIn) -> s.HandoverOut:
    customer = customers.require_visible(session, actor, body.customer_id)
    owner = _owner(session, body.customer_id)
    if owner is None:
        raise Conflict("该客户尚无管户人：请在待分配队列中直接分配")
    is_owner = actor.staff_id is not None and actor.staff_id == owner.staff_id
    if not is_owner and not actor.can(Permission.manage_assignment):
        raise Forbidden("只有管户人本人或其网点负责人可以发起移交")
    to = _active_staff(session, body.to_staff_id)
    if to.staff_id == owner.staff_id:
        raise InvalidInput("接收人就是当前管户人", loc=("body", "to_staff_id"))
    orgs = OrgMap.load(session)
    home = orgs.outlet_of(customer.home_org_id)
    sub = orgs.sub_branch_of(customer.home_org_id)
    if sub is None or orgs.sub_branch_of(to.org_id) != sub:
        raise InvalidInput(
            "只能移交给同一支行的员工（跨支行移交请由分行处理）", loc=("body", "to_staff_id")
        )
    pending = session.scalars(
        select(Handover.id).where(
            Handover.customer_id == body.customer_id, Handover.status == "pending"
        )
    ).first()
    if pending is not None:
        raise Conflict(f"该客户已有待审批的移交申请（编号 {pending}）")
    cross = orgs.outlet_of(to.org_id) != home
    asked_by_head = Role.outlet_head in actor.roles and actor.org_id == home
    row = Handover(
        customer_id=body.customer_id,
        from_staff_id=owner.staff_id,
        to_staff_id=to.staff_id,
        reason=body.reason,
        status="pending",
        approver_org_id=sub if (cross or asked_by_head or home == sub) else home,
        cross_outlet=cross,
        requested_by=actor.username,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Action.handover,
        customer_id=body.customer_id,
        target=f"handover:{row.id}",
        reason=body.reason,
        detail={"step": "request", "from": owner.staff_id, "to": to.staff_id},
    )
    return _out(session, row, actor, orgs)


def _may_decide(orgs: OrgMap, actor: Actor, row: Handover) -> bool:
    if not actor.can(Permission.manage_assignment) or actor.org_id is None:
        return False
    if orgs.level.get(row.approver_org_id) == "outlet":
        if Role.outlet_head in actor.roles and actor.org_id == row.approver_org_id:
            return True
        # the sub-branch's heads may decide for their outlets too
        return bool(actor.roles & SUB_BRANCH_HEADS) and actor.org_id == orgs.sub_branch_of(
            row.approver_org_id
        )
    return bool(actor.roles & SUB_BRANCH_HEADS) and actor.org_id == row.approver_org_id


def decide(session: Session, actor: Actor, handover_id: int, body: s.DecisionIn) -> s.HandoverOut:
    row = session.get(Handover, handover_id)
    if row is None or not _visible(session, actor, row):
        raise NotFound(f"没有移交申请 {handover_id}")
    if row.status != "pending":
        raise Conflict(f"移交申请 {handover_id} 已处理")
    orgs = OrgMap.load(session)
    if not _may_decide(orgs, actor, row):
        raise Forbidden("该移交申请需由网点负责人（跨网点时由支行负责人）审批")
    if row.requested_by == actor.username:
        raise Forbidden("不能审批本人发起的移交申请")
    now = clock.real_now()
    row.decided_by, row.decided_at, row.decision_note = actor.username, now, body.note
    if body.decision is s.Decision.reject:
        row.status = "rejected"
        audit.record(
            session,
            actor,
            audit.Action.handover,
            customer_id=row.customer_id,
            target=f"handover:{row.id}",
            reason=body.note,
            detail={"step": "reject"},
        )
        return _out(session, row, actor, orgs)
    owner = _owner(session, row.customer_id)
    if owner is None or owner.staff_id != row.from_staff_id:
        raise Conflict("申请之后管户人已变更，请重新发起移交")
    to = _active_staff(session, row.to_staff_id)
    row.status = "approved"
    _move(session, owner, row.customer_id, to, "handover")
    _record(session, actor, row.customer_id, row.from_staff_id, to.staff_id, "handover", row.id)
    session.flush()
    return _out(session, row, actor, orgs)


def _in_scope(actor: Actor) -> Any:
    """Hand-overs a user may see: of customers in their scope, or asked by or of them."""
    mine = [Handover.requested_by == actor.username]
    if actor.staff_id is not None:
        mine.append(Handover.to_staff_id == actor.staff_id)
    customers_seen = scoped(select(Handover.id), actor, Handover.customer_id)
    return or_(Handover.id.in_(customers_seen), *mine)


def _visible(session: Session, actor: Actor, row: Handover) -> bool:
    stmt = select(Handover.id).where(Handover.id == row.id, _in_scope(actor))
    return session.scalars(stmt).first() is not None


def handovers(
    session: Session, actor: Actor, status: str | None = None, limit: int = 200
) -> list[s.HandoverOut]:
    stmt = select(Handover)
    if status is not None:
        stmt = stmt.where(Handover.status == status)
    stmt = stmt.where(_in_scope(actor))
    rows = session.scalars(stmt.order_by(Handover.requested_at.desc()).limit(limit)).all()
    orgs = OrgMap.load(session)  # once for the list, not per row
    audit.record(session, actor, audit.Action.list_customers, target="handovers", rows=len(rows))
    return [_out(session, r, actor, orgs) for r in rows]


def _out(session: Session, row: Handover, actor: Actor, orgs: OrgMap) -> s.HandoverOut:
    names = orgs_service.staff_names(session, {row.from_staff_id, row.to_staff_id})
    c = session.get(Customer, row.customer_id)
    return s.HandoverOut(
        id=row.id,
        customer_id=row.customer_id,
        customer_name=name_or_none(c.name if c else None),
        from_staff_id=row.from_staff_id,
        from_staff_name=names.get(row.from_staff_id),
        to_staff_id=row.to_staff_id,
        to_staff_name=names.get(row.to_staff_id),
        reason=row.reason,
        status=row.status,
        approver_org_id=row.approver_org_id,
        cross_outlet=row.cross_outlet,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        can_decide=row.status == "pending"
        and row.requested_by != actor.username
        and _may_decide(orgs, actor, row),
    )


def queue(
    session: Session,
    actor: Actor,
    rule_set: str | None = None,
    tiers: list[str] | None = None,
    limit: int = 500,
) -> list[s.QueueItem]:
    """Customers waiting for an owner in the actor's subtree: their owner left, or a maintained
    tier found no eligible staff with room. `rule_set` and its maintained `tiers` default to
    the maintenance policy in force today."""
    if not actor.can(Permission.manage_assignment):
        raise Forbidden("无权查看待分配队列")
    if rule_set is None:
        rule_set = get_settings().maintenance_rule_set
    if tiers is None:
        tiers = [r.tier for r in policies.in_force(session, rule_set, clock.today()).assign]
    st = aliased(Staff)
    stmt = (
        select(
            Customer.customer_id,
            Customer.name,
            Customer.home_org_id,
            CustomerTier.tier,
            Customer.aum_month_avg_fen,
            CustomerOwner.staff_id,
            st.name,
        )
        .select_from(Customer)
        .outerjoin(
            CustomerTier,
            and_(
                CustomerTier.customer_id == Customer.customer_id, CustomerTier.rule_set == rule_set
            ),
        )
        .outerjoin(CustomerOwner, CustomerOwner.customer_id == Customer.customer_id)
        .outerjoin(st, st.staff_id == CustomerOwner.staff_id)
        .where(
            Customer.status == "active",
            or_(
                st.status == "left",
                and_(CustomerOwner.customer_id.is_(None), CustomerTier.tier.in_(tiers or [""])),
            ),
        )
    )
    stmt = scoped(stmt, actor).order_by(Customer.aum_month_avg_fen.desc(), Customer.customer_id)
    items = [
        s.QueueItem(
            customer_id=cid,
            customer_name=name_or_none(name),
            home_org_id=org,
            tier=tier,
            aum_month_avg_fen=aum,
            staff_id=staff_id,
            staff_name=staff_name,
            why="管户人离职" if staff_id else "无合适人员或容量已满",
        )
        for cid, name, org, tier, aum, staff_id, staff_name in session.execute(stmt.limit(limit))
    ]
    audit.record(session, actor, audit.Action.list_customers, target="queue", rows=len(items))
    return items


def reassign(session: Session, actor: Actor, customer_id: str, to_staff_id: str) -> None:
    """A head places a queued customer with a member of their subtree."""
    if not actor.can(Permission.manage_assignment):
        raise Forbidden("无权分配管户")
    customers.require_visible(session, actor, customer_id)
    owner = _owner(session, customer_id)
    before = owner.staff_id if owner else None
    if owner is not None:
        current = orgs_service.staff_member(session, owner.staff_id)
        if current is not None and current.status == "active":
            raise Conflict("该客户的管户人在职：请走移交申请")
    to = _active_staff(session, to_staff_id)
    in_tree = session.scalars(
        select(Staff.staff_id).where(
            Staff.staff_id == to.staff_id, Staff.org_id.in_(org_subtree(actor.org_id))
        )
    ).first()
    if in_tree is None:
        raise InvalidInput("只能分配给本机构（含下级）的员工", loc=("body", "to_staff_id"))
    _move(session, owner, customer_id, to, "reassign")
    _record(session, actor, customer_id, before, to.staff_id, "reassign")
    session.flush()


def set_credit(session: Session, actor: Actor, customer_id: str, credit_staff_id: str) -> None:
    """The customer chose who gets the performance credit (recorded by a head)."""
    if not actor.can(Permission.manage_assignment):
        raise Forbidden("无权变更业绩归属")
    customers.require_visible(session, actor, customer_id)
    owner = _owner(session, customer_id)
    if owner is None:
        raise Conflict("该客户尚无管户人")
    if orgs_service.staff_member(session, credit_staff_id) is None:
        raise InvalidInput(f"没有员工 {credit_staff_id}", loc=("body", "credit_staff_id"))
    before = owner.credit_staff_id
    owner.credit_staff_id, owner.credit_by_choice = credit_staff_id, True
    _record(session, actor, customer_id, before, credit_staff_id, "credit")
    session.flush()


def history(session: Session, actor: Actor, customer_id: str) -> list[AssignmentChange]:
    customers.require_visible(session, actor, customer_id)
    stmt = (
        select(AssignmentChange)
        .where(AssignmentChange.customer_id == customer_id)
        .order_by(AssignmentChange.changed_at.desc(), AssignmentChange.id.desc())
    )
    return list(session.scalars(stmt))
