"""Where eligible staff sit, relative to a customer's home outlet (the policy's `org` scopes)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.maintenance.policy import OrgScope, StaffPool
from bankcrm.orgs.models import OrgUnit, Staff

WEALTH_CENTRE_MARK = "财富中心"


@dataclass
class OrgMap:
    parent: dict[str, str | None]
    level: dict[str, str]
    name: dict[str, str]
    children: dict[str, list[str]]
    staff_by_org: dict[str, list[tuple[str, str]]]  # org → [(staff_id, role)] active, sorted
    role_of: dict[str, str]  # active staff → role
    org_of: dict[str, str]  # active staff → org
    _pools: dict[tuple[str, tuple[StaffPool, ...]], tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> OrgMap:
        parent: dict[str, str | None] = {}
        level: dict[str, str] = {}
        name: dict[str, str] = {}
        children: dict[str, list[str]] = defaultdict(list)
        for org_id, parent_id, lvl, nm in session.execute(
            select(OrgUnit.org_id, OrgUnit.parent_id, OrgUnit.level, OrgUnit.name)
        ):
            parent[org_id], level[org_id], name[org_id] = parent_id, lvl, nm
            if parent_id is not None:
                children[parent_id].append(org_id)
        staff_by_org: dict[str, list[tuple[str, str]]] = defaultdict(list)
        role_of: dict[str, str] = {}
        org_of: dict[str, str] = {}
        stmt = (
            select(Staff.staff_id, Staff.org_id, Staff.role)
            .where(Staff.status == "active")
            .order_by(Staff.staff_id)
        )
        for staff_id, org_id, role in session.execute(stmt):
            staff_by_org[org_id].append((staff_id, role))
            role_of[staff_id], org_of[staff_id] = role, org_id
        return cls(parent, level, name, children, staff_by_org, role_of, org_of)

    def sub_branch_of(self, org_id: str) -> str | None:
        """The nearest unit at or above `org_id` that is a sub-branch."""
        node: str | None = org_id
        while node is not None:
            if self.level.get(node) == "sub_branch":
                return node
            node = self.parent.get(node)
        return None

    def outlet_of(self, org_id: str) -> str:
        """The outlet at or above `org_id` (a unit above the outlets stands for itself)."""
        node: str | None = org_id
        while node is not None:
            if self.level.get(node) == "outlet":
                return node
            node = self.parent.get(node)
        return org_id

    def subtree(self, org_id: str) -> list[str]:
        out, todo = [], [org_id]
        while todo:
            node = todo.pop()
            out.append(node)
            todo += self.children.get(node, [])
        return out

    def units(self, home_org: str, scope: OrgScope) -> list[str]:
        sub = self.sub_branch_of(home_org)
        if scope is OrgScope.outlet:
            return [home_org]
        if sub is None:
            return []
        if scope is OrgScope.sub_branch:
            return [sub]
        tree = self.subtree(sub)
        if scope is OrgScope.wealth_centre:
            centres = [o for o in tree if WEALTH_CENTRE_MARK in self.name.get(o, "")]
            return centres or tree
        return tree

    def eligible(self, home_org: str, pools: tuple[StaffPool, ...]) -> tuple[str, ...]:
        """Active staff who may maintain a customer of `home_org` under `pools` (sorted ids)."""
        key = (home_org, pools)
        if key not in self._pools:
            found: set[str] = set()
            for pool in pools:
                roles = {r.value for r in pool.roles}
                for unit in self.units(home_org, pool.org):
                    found |= {s for s, role in self.staff_by_org.get(unit, []) if role in roles}
            self._pools[key] = tuple(sorted(found))
        return self._pools[key]
