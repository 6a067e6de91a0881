"""Maintenance policies as data (issue 6): who maintains each tier (assignment) and what each
tier's customers are owed (standards) — what a sub-branch writes into its 个人中高端客户维护方案.

One policy per tier rule set (its `name` is the rule set's name), versioned like the rule sets:

    name = "maintenance_3tier"
    title = "中高端客户维护方案"
    effective_from = 2020-01-01

    [capacity]               # most customers one person maintains, per role
    wealth_manager = 400

    [[assign]]
    tier = "中端"
    staff = [{ org = "outlet", roles = ["wealth_manager", "account_manager"] }]

    [[standards]]
    tier = "中端"
    contacts_per_month = 2
    greetings = ["生日", "元旦", "春节", "元宵", "劳动节", "端午", "中秋", "国庆"]
    salons_per_year = 2
    product_messages_per_month = 4

`org` names where eligible staff sit, relative to the customer's home outlet: `outlet` (the
outlet itself), `sub_branch` (its sub-branch's own unit), `sub_branch_tree` (anywhere in the
sub-branch), `wealth_centre` (units of the sub-branch whose name contains 财富中心; the whole
sub-branch when it has none).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from importlib import resources

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bankcrm.kit.documents import VersionedDocument, load_toml
from bankcrm.security.roles import Role

GREETINGS = ("生日", "元旦", "春节", "元宵", "劳动节", "端午", "中秋", "国庆")
PRESETS = ("maintenance_3tier", "outlet_adoption")
DEFAULT_CAPACITY = 400


class OrgScope(StrEnum):
    outlet = "outlet"
    sub_branch = "sub_branch"
    sub_branch_tree = "sub_branch_tree"
    wealth_centre = "wealth_centre"


ORG_LABELS = {
    OrgScope.outlet: "网点",
    OrgScope.sub_branch: "支行",
    OrgScope.sub_branch_tree: "支行辖内",
    OrgScope.wealth_centre: "财富中心",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StaffPool(_Strict):
    org: OrgScope
    roles: tuple[Role, ...] = Field(min_length=1)


class AssignRule(_Strict):
    tier: str
    staff: tuple[StaffPool, ...] = Field(min_length=1)


class Standard(_Strict):
    tier: str
    contacts_per_month: int = Field(default=0, ge=0, le=31)
    contact_channels: tuple[str, ...] = ("phone", "sms", "wechat", "visit", "outlet_meeting")
    greetings: tuple[str, ...] = ()
    greeting_channels: tuple[str, ...] = ("phone", "sms")
    salons_per_year: int = Field(default=0, ge=0, le=12)
    product_messages_per_month: int = Field(default=0, ge=0, le=31)
    gifts_per_year: int = Field(default=0, ge=0, le=12)
    birthday_flowers: bool = False
    executive_visits_per_year: int = Field(default=0, ge=0, le=12)

    @field_validator("greetings")
    @classmethod
    def _known_greetings(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [g for g in value if g not in GREETINGS]
        if unknown:
            raise ValueError(f"未知的问候日 {'、'.join(unknown)}：可选 {'、'.join(GREETINGS)}")
        return value


class CoverageTarget(_Strict):
    """A share of the customers at or above an amount (月日均) that must meet a measure."""

    at_least: str = Field(pattern=r"^\d+(\.\d{1,2})?万?$")
    share: str = Field(pattern=r"^(0(\.\d{1,4})?|1(\.0{1,4})?)$")

    @property
    def at_least_fen(self) -> int:
        from bankcrm.tiering.schemas import parse_amount

        return parse_amount(self.at_least)


def _targets(*pairs: tuple[str, str]) -> tuple[CoverageTarget, ...]:
    return tuple(CoverageTarget(at_least=a, share=b) for a, b in pairs)


class Targets(_Strict):
    """The policy's 建档 and product targets (defaults: the policy issue 6 quotes)."""

    # profile complete: address, employer, mobile, home phone, risk profile, product preference
    profile: tuple[CoverageTarget, ...] = _targets(("5万", "0.8"), ("20万", "0.9"), ("100万", "1"))
    service_plan: CoverageTarget = CoverageTarget(at_least="100万", share="1")
    products_held: CoverageTarget = CoverageTarget(at_least="100万", share="1")
    min_products: int = Field(default=5, ge=1, le=50)
    key_products: CoverageTarget = CoverageTarget(at_least="20万", share="0.8")


class PolicySpec(_Strict, VersionedDocument):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    title: str = Field(min_length=1, max_length=80)
    effective_from: date
    capacity: dict[Role, int] = Field(default_factory=dict)
    assign: tuple[AssignRule, ...] = ()
    standards: tuple[Standard, ...] = ()
    targets: Targets = Targets()

    @field_validator("capacity")
    @classmethod
    def _positive(cls, value: dict[Role, int]) -> dict[Role, int]:
        for role, n in value.items():
            if n < 1:
                raise ValueError(f"{role.value} 的管户容量 {n} 应为正整数")
        return value

    @model_validator(mode="after")
    def _one_rule_per_tier(self) -> PolicySpec:
        for what, items in (("assign", self.assign), ("standards", self.standards)):
            tiers = [i.tier for i in items]
            if len(set(tiers)) != len(tiers):
                raise ValueError(f"{what} 中同一层级出现多次")
        return self

    def capacity_of(self, role: str) -> int:
        return self.capacity.get(Role(role), DEFAULT_CAPACITY)

    def rule_for(self, tier: str) -> AssignRule | None:
        return next((r for r in self.assign if r.tier == tier), None)

    def standard_for(self, tier: str) -> Standard | None:
        return next((s for s in self.standards if s.tier == tier), None)

    def to_toml(self) -> str:
        return tomli_w.dumps(self.model_dump(mode="json") | {"effective_from": self.effective_from})


def parse_toml(text: str, source: str = "policy") -> PolicySpec:
    return load_toml(PolicySpec, text, source)


def preset_toml(name: str) -> str:
    path = resources.files("bankcrm.maintenance").joinpath(f"presets/{name}.toml")
    return path.read_text("utf-8")
