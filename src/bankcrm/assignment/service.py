"""Assignment (管户) by tier, after the nightly tiers (issue 6).

The policy in force (`maintenance.policy`) says which staff may maintain each tier. The nightly
keeps every owner who is still eligible (no reshuffling), gives new or re-tiered customers an
owner among the eligible staff — least-loaded first, within each role's capacity — and leaves
the customers of staff who left in a queue for their outlet head. When an upgrade moves
maintenance to a higher role, the former maintainer is kept as originator and keeps the
performance credit (业绩归属) unless the customer chose otherwise; a later downgrade goes back
to the originator when they are eligible.

Writes are set-based: one bulk upsert of the changed owners, one bulk insert of history, one
audit row for the batch (each history row names the batch). Manual changes (hand-over,
reassignment from the queue, credit) are audited one by one, in `handover.py`.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import cast

import pyarrow as pa
from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from bankcrm.assignment.models import AssignmentChange, CustomerOwner
from bankcrm.assignment.orgmap import OrgMap
from bankcrm.db import bulk
from bankcrm.maintenance import policies
from bankcrm.maintenance.policy import PolicySpec
from bankcrm.security import audit
from bankcrm.security.actor import SYSTEM
from bankcrm.tiering import service as tiering

NIGHTLY = "nightly"


@dataclass
class AssignmentSummary:
    as_of: date
    policy: str
    kept: int = 0
    changes: Counter[str] = field(default_factory=Counter)  # reason → customers
    leavers_queued: int = 0  # customers whose owner left (HR): the outlet head's queue
    unassigned: int = 0  # maintained tiers with no eligible staff or capacity

    @property
    def changed(self) -> int:
        return sum(self.changes.values())


@dataclass
class _Loads:
    """Customers per staff member and role capacity; a heap per pool, least-loaded first."""

    policy: PolicySpec
    orgs: OrgMap
    load: Counter[str]
    heaps: dict[tuple[str, ...], list[tuple[int, str]]] = field(default_factory=dict)

    def has_room(self, staff_id: str) -> bool:
        role = self.orgs.role_of[staff_id]
        return self.load[staff_id] < self.policy.capacity_of(role)

    def take(self, staff_id: str) -> None:
        self.load[staff_id] += 1

    def release(self, staff_id: str | None) -> None:
        if staff_id is not None and self.load[staff_id] > 0:
            self.load[staff_id] -= 1

    def least_loaded(self, pool: tuple[str, ...]) -> str | None:
        heap = self.heaps.get(pool)
        if heap is None:
            heap = [(self.load[s], s) for s in pool]
            heapq.heapify(heap)
            self.heaps[pool] = heap
        while heap:
            n, staff_id = heap[0]
            if n != self.load[staff_id]:  # stale: another pool changed this person's load
                heapq.heapreplace(heap, (self.load[staff_id], staff_id))
                continue
            if not self.has_room(staff_id):
                heapq.heappop(heap)  # full: never again this run
                continue
            return staff_id
        return None


def _rows(session: Session, rule_set: str, tiers: list[str]) -> list[tuple]:  # type: ignore[type-arg]
    """Active customers with a maintained tier or an owner, with that owner's details."""
    stmt = text(
        """
        SELECT c.customer_id, c.home_org_id, t.tier, o.staff_id, o.tier, o.originator_staff_id,
               o.credit_staff_id, o.credit_by_choice, s.status, o.assigned_by
        FROM customers c
        JOIN customer_tiers t ON t.customer_id = c.customer_id AND t.rule_set = :rule_set
        LEFT JOIN customer_owners o ON o.customer_id = c.customer_id
        LEFT JOIN staff s ON s.staff_id = o.staff_id
        WHERE c.status = 'active' AND (t.tier IN :tiers OR o.customer_id IS NOT NULL)
        """
    ).bindparams(bindparam("tiers", expanding=True))
    return list(session.execute(stmt, {"rule_set": rule_set, "tiers": tiers or ["\x00"]}))


def run_nightly(session: Session, as_of: date, rule_set: str | None = None) -> AssignmentSummary:
    """Owners for `as_of` under the policy in force; idempotent (a re-run changes nothing)."""
    from bankcrm.config import get_settings

    name = rule_set or get_settings().maintenance_rule_set
    policy = policies.in_force(session, name, as_of)
    rank = {t: i for i, t in enumerate(tiering.in_force(session, name, as_of).spec.tier_names())}
    orgs = OrgMap.load(session)
    counts = session.execute(
        select(CustomerOwner.staff_id, func.count()).group_by(CustomerOwner.staff_id)
    )
    loads = _Loads(policy, orgs, Counter({str(k): int(v) for k, v in counts}))
    summary = AssignmentSummary(as_of, name)
    rows = _rows(session, name, [r.tier for r in policy.assign])
    # top tiers first: when capacity is short it goes to the customers who matter most
    rows.sort(key=lambda r: (-rank.get(r[2], -1), r[0]))
    out: list[tuple[object, ...]] = []
    history: list[tuple[object, ...]] = []
    retiered: list[dict[str, str]] = []
    for row in rows:
        customer_id, home, tier, owner, owner_tier, originator, credit, by_choice, status = row[:9]
        rule = policy.rule_for(tier)
        if owner is not None and status != "active":
            summary.leavers_queued += 1  # HR says they left: the outlet head decides
            continue
        pool = orgs.eligible(home, rule.staff) if rule else ()
        by_hand = (
            row[9] != NIGHTLY
            and rule is not None
            and orgs.role_of.get(owner) in {r.value for p in rule.staff for r in p.roles}
        )
        if owner is not None and (rule is None or owner in pool or by_hand):
            summary.kept += 1  # still eligible (or a tier nobody is assigned to): kept
            if owner_tier != tier:
                retiered.append({"c": customer_id, "t": tier})
            continue
        if owner is None:
            reason = "initial"
        elif owner_tier in rank and rank[tier] > rank[owner_tier]:
            reason = "upgrade"
        elif owner_tier in rank and rank[tier] < rank[owner_tier]:
            reason = "downgrade"
        else:
            reason = "ineligible"
        chosen = None
        if originator in pool and loads.has_room(originator):
            chosen = originator  # back to whoever maintained the customer before an upgrade
        if chosen is None:
            chosen = loads.least_loaded(pool)
        if chosen is None:
            summary.unassigned += 1  # kept with its current owner (if any) until room is made
            continue
        loads.take(chosen)
        loads.release(owner)
        if reason == "upgrade":
            originator = originator or owner
            credit = credit or owner  # the original maintainer keeps the credit
        elif reason == "initial":
            originator, credit = None, chosen
        else:
            credit = credit if (by_choice or originator) else chosen
        if chosen == originator:
            originator = None  # back with the originator: nothing to remember
        out.append(
            (
                customer_id,
                chosen,
                orgs.role_of[chosen],
                as_of,
                tier,
                originator,
                credit,
                bool(by_choice),
            )
        )
        history.append((customer_id, owner, chosen, reason, as_of, NIGHTLY))
        summary.changes[reason] += 1
    if retiered:
        owners = cast(Table, CustomerOwner.__table__)
        stmt = (
            update(owners).where(owners.c.customer_id == bindparam("c")).values(tier=bindparam("t"))
        )
        session.execute(stmt, retiered)
    _write(session, as_of, out, history, summary)
    return summary


def _write(
    session: Session,
    as_of: date,
    owners: list[tuple[object, ...]],
    history: list[tuple[object, ...]],
    summary: AssignmentSummary,
) -> None:
    if owners:
        cols = list(zip(*owners, strict=True))
        table = pa.table(
            {
                "customer_id": pa.array(cols[0], pa.string()),
                "staff_id": pa.array(cols[1], pa.string()),
                "role": pa.array(cols[2], pa.string()),
                "since": pa.array(cols[3], pa.date32()),
                "tier": pa.array(cols[4], pa.string()),
                "originator_staff_id": pa.array(cols[5], pa.string()),
                "credit_staff_id": pa.array(cols[6], pa.string()),
                "credit_by_choice": pa.array(cols[7], pa.bool_()),
                "assigned_by": pa.array([NIGHTLY] * len(owners), pa.string()),
            }
        )
        bulk.upsert(session, CustomerOwner.__table__, table, newer_only=False)  # type: ignore[arg-type]
    if not history:
        return
    batch = f"{NIGHTLY}:{as_of.isoformat()}"
    cols = list(zip(*history, strict=True))
    bulk.insert(
        session,
        AssignmentChange.__table__,  # type: ignore[arg-type]
        pa.table(
            {
                "customer_id": pa.array(cols[0], pa.string()),
                "from_staff_id": pa.array(cols[1], pa.string()),
                "to_staff_id": pa.array(cols[2], pa.string()),
                "reason": pa.array(cols[3], pa.string()),
                "effective_on": pa.array(cols[4], pa.date32()),
                "changed_by": pa.array(cols[5], pa.string()),
                "batch": pa.array([batch] * len(history), pa.string()),
            }
        ),
    )
    audit.record(
        session,
        SYSTEM,
        audit.Action.assignment,
        target=batch,
        rows=len(history),
        detail={"policy": summary.policy, **dict(summary.changes)},
    )


def customers_of(session: Session, staff_id: str) -> list[str]:
    """The customers `staff_id` maintains."""
    stmt = select(CustomerOwner.customer_id).where(CustomerOwner.staff_id == staff_id)
    return sorted(session.scalars(stmt))
