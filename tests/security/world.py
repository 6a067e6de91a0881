"""A small bank for the security tests: two sub-branches, three outlets, one user per role and
customers placed so every scope case has a row (DESIGN §1)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from bankcrm.assignment.models import CustomerOwner
from bankcrm.customers.models import Customer
from bankcrm.orgs.models import OrgUnit, Staff
from bankcrm.security.models import AccessToken, User, UserRole
from bankcrm.security.roles import ASSIGNED_ONLY, Role
from tests.factories import resident_id

AS_OF = date(2026, 10, 31)
ORGS = [
    ("HO", None, "总行", "head_office"),
    ("BR1", "HO", "嘉兴分行", "branch"),
    ("SB1", "BR1", "南湖支行", "sub_branch"),
    ("OU1", "SB1", "南湖网点", "outlet"),
    ("OU2", "SB1", "城南网点", "outlet"),
    ("SB2", "BR1", "秀洲支行", "sub_branch"),
    ("OU3", "SB2", "秀洲网点", "outlet"),
]
# where each role's user sits
ROLE_ORG = {
    Role.teller: "OU1",
    Role.lobby_manager: "OU1",
    Role.account_manager: "OU1",
    Role.wealth_manager: "OU1",
    Role.outlet_head: "OU1",
    Role.retail_head: "SB1",
    Role.sub_branch_vp: "SB1",
    Role.sub_branch_president: "SB1",
    Role.analyst: "BR1",
    Role.rule_admin: "BR1",
    Role.auditor: "BR1",
    Role.admin: "BR1",
}
TARGETS = ("own", "same_outlet", "other_outlet", "other_sub_branch")
# full values of the personal fields, so tests can prove they never leak
NAME, PHONE = "欧阳明华", "13912345678"


@dataclass
class World:
    tokens: dict[Role, str] = field(default_factory=dict)  # role → bearer token
    users: dict[Role, User] = field(default_factory=dict)
    customers: dict[tuple[Role, str], str] = field(default_factory=dict)  # (role, target) → id
    id_numbers: dict[str, str] = field(default_factory=dict)

    def customer(self, role: Role, target: str) -> str:
        return self.customers[(role, target)]


def _customer(session: Session, cid: str, org: str, n: int) -> str:
    session.add(
        Customer(
            customer_id=cid,
            name=NAME,
            id_type="resident_id",
            id_number=resident_id(seq=f"{n:03d}"),
            birth_date=date(1985, 3, 12),
            gender="M",
            home_org_id=org,
            opened_on=date(2015, 1, 1),
            phone=PHONE,
            address="浙江省嘉兴市南湖区东升路 88 号 3 幢 201 室",
            status="active",
            aum_fen=50_000_000 + n,
            aum_month_avg_fen=40_000_000 + n,
            as_of=AS_OF,
        )
    )
    return cid


def build(session: Session) -> World:
    w = World()
    for org_id, parent, name, level in ORGS:
        session.add(OrgUnit(org_id=org_id, parent_id=parent, name=name, level=level, as_of=AS_OF))
    session.flush()
    # owners of the "same outlet" and "other outlet/sub-branch" customers
    for sid, org in (("S-OTHER1", "OU1"), ("S-OTHER2", "OU2"), ("S-OTHER3", "OU3")):
        session.add(
            Staff(
                staff_id=sid,
                name="他人",
                org_id=org,
                role="wealth_manager",
                status="active",
                as_of=AS_OF,
            )
        )
    shared = {
        "same_outlet": _customer(session, "C-OU1", "OU1", 900),
        "other_outlet": _customer(session, "C-OU2", "OU2", 901),
        "other_sub_branch": _customer(session, "C-OU3", "OU3", 902),
    }
    session.flush()
    for cid, sid in (("C-OU1", "S-OTHER1"), ("C-OU2", "S-OTHER2"), ("C-OU3", "S-OTHER3")):
        session.add(
            CustomerOwner(customer_id=cid, staff_id=sid, role="wealth_manager", since=AS_OF)
        )
    for n, role in enumerate(Role, start=1):
        org = ROLE_ORG[role]
        sid = f"S-{role.value}"
        session.add(
            Staff(
                staff_id=sid,
                name=f"员工{n}",
                org_id=org,
                role=role.value,
                status="active",
                as_of=AS_OF,
            )
        )
        session.flush()
        user = User(
            username=sid,
            display_name=f"员工{n}",
            staff_id=sid,
            org_id=org,
            disabled=False,
            failed_logins=0,
            lock_count=0,
        )
        session.add(user)
        session.flush()
        session.add(UserRole(user_id=user.id, role=role.value))
        token = f"bcrm_test_{role.value}"
        session.add(
            AccessToken(
                user_id=user.id,
                name="test",
                prefix=token[:12],
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                created_at=datetime.now(UTC),
                revoked=False,
            )
        )
        w.tokens[role], w.users[role] = token, user
        # "own": a customer assigned to the user (front line) or in the user's unit otherwise
        if role in ASSIGNED_ONLY:
            own = _customer(session, f"C-{role.value}", org, n)
            session.flush()
            session.add(CustomerOwner(customer_id=own, staff_id=sid, role=role.value, since=AS_OF))
        else:
            own = {"OU1": "C-OU1", "SB1": "C-OU1", "BR1": "C-OU1"}[org]
        w.customers[(role, "own")] = own
        for target, cid in shared.items():
            w.customers[(role, target)] = cid
    session.flush()
    return w
