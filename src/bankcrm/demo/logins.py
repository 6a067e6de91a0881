"""Demo logins, one per role, with random passwords made at build time (never a fixed default).

Users come from the demo's HR extract (`users sync`); the logins are chosen so a journey works
end to end: a wealth manager with customers, their outlet head and sub-branch president, a
teller of the same outlet, and the branch's analyst, rule admin, auditor and admin.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.assignment.models import CustomerOwner
from bankcrm.config import Settings
from bankcrm.orgs.models import OrgUnit, Staff
from bankcrm.security import service
from bankcrm.security.actor import Actor
from bankcrm.security.models import User
from bankcrm.security.roles import ROLE_LABELS, Role

DEMO_ACTOR = Actor(None, "demo-build", None, frozenset(), source="console")


@dataclass
class Login:
    role: Role
    username: str
    password: str
    display_name: str
    org_id: str

    @property
    def label(self) -> str:
        return ROLE_LABELS[self.role]


def random_password() -> str:
    """16+ characters with all four classes (the default policy asks for three)."""
    return "Bk-" + secrets.token_urlsafe(12) + str(secrets.randbelow(10))


def _staff(session: Session, role: Role, org_ids: list[str]) -> Staff | None:
    """An active staff member of `role` in one of `org_ids` — or anywhere, when that unit has
    none (someone left): every role gets its login."""
    stmt = (
        select(Staff)
        .where(Staff.role == role.value, Staff.status == "active")
        .order_by(Staff.org_id.in_(org_ids).desc(), Staff.staff_id)
    )
    return session.scalars(stmt).first()


def create(session: Session, settings: Settings) -> list[Login]:
    service.sync_from_staff(session, DEMO_ACTOR)
    busiest = session.execute(
        select(CustomerOwner.staff_id, func.count().label("n"))
        .where(CustomerOwner.role == Role.wealth_manager.value)
        .group_by(CustomerOwner.staff_id)
        .order_by(func.count().desc(), CustomerOwner.staff_id)
        .limit(1)
    ).first()
    picks: list[Staff] = []
    if busiest is not None:
        wm = session.get(Staff, busiest.staff_id)
        assert wm is not None
        outlet = session.get(OrgUnit, wm.org_id)
        sub_branch = session.get(OrgUnit, outlet.parent_id) if outlet and outlet.parent_id else None
        branch = (
            session.get(OrgUnit, sub_branch.parent_id)
            if sub_branch and sub_branch.parent_id
            else None
        )
        picks.append(wm)
        for role, orgs in (
            (Role.account_manager, [wm.org_id]),
            (Role.lobby_manager, [wm.org_id]),
            (Role.teller, [wm.org_id]),
            (Role.outlet_head, [wm.org_id]),
            (Role.retail_head, [sub_branch.org_id] if sub_branch else []),
            (Role.sub_branch_vp, [sub_branch.org_id] if sub_branch else []),
            (Role.sub_branch_president, [sub_branch.org_id] if sub_branch else []),
            (Role.analyst, [branch.org_id] if branch else []),
            (Role.rule_admin, [branch.org_id] if branch else []),
            (Role.auditor, [branch.org_id] if branch else []),
            (Role.admin, [branch.org_id] if branch else []),
        ):
            st = _staff(session, role, orgs)
            if st is not None:
                picks.append(st)
    logins = []
    for st in picks:
        user = session.scalars(select(User).where(User.staff_id == st.staff_id)).one()
        password = random_password()
        service.set_password(session, DEMO_ACTOR, settings, user.username, password)
        logins.append(Login(Role(st.role), user.username, password, st.name, st.org_id))
    return logins
