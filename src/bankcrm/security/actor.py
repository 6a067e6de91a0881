"""The acting user of a request, CLI command or job: who, where in the org tree, which roles."""

from __future__ import annotations

from dataclasses import dataclass

from bankcrm.security.roles import ASSIGNED_ONLY, Permission, Role, permissions


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    org_id: str | None
    roles: frozenset[Role]
    staff_id: str | None = None
    display_name: str = ""
    source: str | None = None  # client address, for the audit log

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def assigned_only(self) -> bool:
        """Front-line roles see the customers assigned to them; any broader role widens it."""
        return bool(self.roles) and self.roles <= ASSIGNED_ONLY


SYSTEM = Actor(user_id=None, username="system", org_id=None, roles=frozenset())
