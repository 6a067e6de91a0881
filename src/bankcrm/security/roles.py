"""Roles and what they may do (DESIGN §1). A role's data scope: the org subtree of the user's own
unit, limited to the customers assigned to them for front-line roles."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    teller = "teller"
    lobby_manager = "lobby_manager"
    account_manager = "account_manager"
    wealth_manager = "wealth_manager"
    outlet_head = "outlet_head"
    retail_head = "retail_head"
    sub_branch_vp = "sub_branch_vp"
    sub_branch_president = "sub_branch_president"
    analyst = "analyst"
    rule_admin = "rule_admin"
    auditor = "auditor"
    admin = "admin"


class Permission(StrEnum):
    list_customers = "list_customers"  # customer lists (masked)
    view_customer = "view_customer"  # the 360 page (masked)
    view_aggregates = "view_aggregates"  # tier distribution, dashboards
    unmask = "unmask"
    export = "export"
    export_unmasked = "export_unmasked"
    edit_rules = "edit_rules"
    view_audit = "view_audit"
    manage_users = "manage_users"
    log_contact = "log_contact"  # contacts, product messages, 建档 fields (own customers)
    manage_assignment = "manage_assignment"  # approve hand-overs, place queued customers
    view_compliance = "view_compliance"  # compliance and 建档 coverage of the subtree


ROLE_LABELS = {
    Role.teller: "柜员",
    Role.lobby_manager: "大堂经理",
    Role.account_manager: "客户经理",
    Role.wealth_manager: "理财经理",
    Role.outlet_head: "网点主任",
    Role.retail_head: "个金科负责人",
    Role.sub_branch_vp: "分管行长",
    Role.sub_branch_president: "支行行长",
    Role.analyst: "分析岗",
    Role.rule_admin: "规则管理员",
    Role.auditor: "审计",
    Role.admin: "系统管理员",
}

P = Permission
_FRONT_LINE = {P.list_customers, P.view_customer, P.view_aggregates, P.log_contact}
_MANAGER = _FRONT_LINE | {P.unmask, P.export}
_HEAD = _MANAGER | {P.manage_assignment, P.view_compliance}
_LEADER = _HEAD | {P.export_unmasked}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.teller: frozenset(_FRONT_LINE),
    Role.lobby_manager: frozenset(_FRONT_LINE),
    Role.account_manager: frozenset(_MANAGER),
    Role.wealth_manager: frozenset(_MANAGER),
    Role.outlet_head: frozenset(_HEAD),
    Role.retail_head: frozenset(_LEADER),
    Role.sub_branch_vp: frozenset(_LEADER),
    Role.sub_branch_president: frozenset(_LEADER),
    # aggregates of the subtree and masked lists only: no 360 page, no unmask
    Role.analyst: frozenset({P.list_customers, P.view_aggregates, P.export, P.view_compliance}),
    Role.rule_admin: frozenset({P.edit_rules, P.view_aggregates}),
    Role.auditor: frozenset({P.view_audit}),
    Role.admin: frozenset({P.manage_users}),
}
# roles whose customer scope is the customers assigned to them (not their whole unit)
ASSIGNED_ONLY = frozenset(
    {Role.teller, Role.lobby_manager, Role.account_manager, Role.wealth_manager}
)


def permissions(roles: frozenset[Role]) -> frozenset[Permission]:
    out: set[Permission] = set()
    for r in roles:
        out |= ROLE_PERMISSIONS[r]
    return frozenset(out)
