"""A small bank for the assignment and maintenance tests: two sub-branches, three outlets,
staff of every role, the shipped tier rule sets and maintenance policies, and customers with a
tier written directly (no nightly needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from bankcrm.customers.models import Customer
from bankcrm.maintenance import policies
from bankcrm.orgs.models import OrgUnit, Staff
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Role
from bankcrm.tiering import service as tiering
from bankcrm.tiering.models import CustomerTier
from tests.factories import resident_id

AS_OF = date(2026, 10, 31)
RULE_SET = "maintenance_3tier"
RANK = {"大众": 0, "中端": 1, "高端": 2, "顶级": 3}
FLOOR_WAN = {"大众": 0, "中端": 20, "高端": 100, "顶级": 500}
ORGS = [
    ("HO", None, "总行", "head_office"),
    ("BR1", "HO", "嘉兴分行", "branch"),
    ("SB1", "BR1", "南湖支行", "sub_branch"),
    ("OU1", "SB1", "南湖网点", "outlet"),
    ("OU2", "SB1", "城南网点", "outlet"),
    ("SB2", "BR1", "秀洲支行", "sub_branch"),
    ("OU3", "SB2", "秀洲网点", "outlet"),
]
# staff id → (org, role)
STAFF = {
    "P1": ("SB1", "sub_branch_president"),
    "V1": ("SB1", "sub_branch_vp"),
    "R1": ("SB1", "retail_head"),
    "H1": ("OU1", "outlet_head"),
    "W1": ("OU1", "wealth_manager"),
    "W2": ("OU1", "wealth_manager"),
    "A1": ("OU1", "account_manager"),
    "L1": ("OU1", "lobby_manager"),
    "T1": ("OU1", "teller"),
    "H2": ("OU2", "outlet_head"),
    "W3": ("OU2", "wealth_manager"),
    "H3": ("OU3", "outlet_head"),
    "W4": ("OU3", "wealth_manager"),
    "V2": ("SB2", "sub_branch_vp"),
}


@dataclass
class Bank:
    session: Session
    customers: list[str] = field(default_factory=list)

    def customer(
        self,
        cid: str,
        org: str,
        tier: str,
        *,
        birth: date = date(1980, 6, 15),
        **kw: object,
    ) -> str:
        wan = FLOOR_WAN[tier] + 1
        values: dict[str, object] = {
            "aum_fen": wan * 1_000_000,
            "aum_month_avg_fen": wan * 1_000_000,
            **kw,
        }
        self.session.add(
            Customer(
                customer_id=cid,
                name="欧阳明华",
                id_type="resident_id",
                id_number=resident_id(seq=f"{len(self.customers):03d}"),
                birth_date=birth,
                gender="F",
                home_org_id=org,
                opened_on=date(2015, 1, 1),
                status="active",
                as_of=AS_OF,
                **values,
            )
        )
        self.set_tier(cid, tier)
        self.customers.append(cid)
        return cid

    def set_tier(self, cid: str, tier: str) -> None:
        row = self.session.get(CustomerTier, (cid, RULE_SET))
        if row is None:
            row = CustomerTier(customer_id=cid, rule_set=RULE_SET, version=1, as_of=AS_OF)
            self.session.add(row)
        row.tier, row.tier_rank = tier, RANK[tier]
        row.basis_value_fen = row.threshold_fen = FLOOR_WAN[tier] * 1_000_000
        row.reason, row.since = "测试", AS_OF
        self.session.flush()

    def staff(self, sid: str, org: str, role: str, status: str = "active") -> None:
        self.session.add(
            Staff(
                staff_id=sid, name=f"员工{sid}", org_id=org, role=role, status=status, as_of=AS_OF
            )
        )
        self.session.flush()


def actor(sid: str, username: str | None = None) -> Actor:
    org, role = STAFF[sid]
    return Actor(
        user_id=None,
        username=username or sid,
        org_id=org,
        roles=frozenset({Role(role)}),
        staff_id=sid,
        display_name=f"员工{sid}",
    )


def build(session: Session) -> Bank:
    for org_id, parent, name, level in ORGS:
        session.add(OrgUnit(org_id=org_id, parent_id=parent, name=name, level=level, as_of=AS_OF))
    session.flush()
    bank = Bank(session)
    for sid, (org, role) in STAFF.items():
        bank.staff(sid, org, role)
    tiering.install_presets(session, "test")
    policies.install_presets(session, "test")
    return bank
