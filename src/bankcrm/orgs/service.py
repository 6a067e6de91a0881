"""Org tree and staff: published from the HR extracts by the nightly batch."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.orgs import repository as repo
from bankcrm.orgs.models import OrgUnit, Staff


def publish(session: Session, org_units: pa.Table, staff: pa.Table) -> tuple[int, int]:
    """Bulk upsert of the org tree (parents before children) and the staff list."""
    return repo.upsert_org_units(session, org_units), repo.upsert_staff(session, staff)


def staff_member(session: Session, staff_id: str) -> Staff | None:
    return session.get(Staff, staff_id)


def staff_names(session: Session, staff_ids: set[str]) -> dict[str, str]:
    if not staff_ids:
        return {}
    stmt = select(Staff.staff_id, Staff.name).where(Staff.staff_id.in_(sorted(staff_ids)))
    return {str(k): str(v) for k, v in session.execute(stmt)}


def org_names(session: Session) -> dict[str, str]:
    return {str(k): str(v) for k, v in session.execute(select(OrgUnit.org_id, OrgUnit.name))}


def staff_in(session: Session, org_ids: list[str], *, roles: tuple[str, ...] = ()) -> list[Staff]:
    """Active staff of the units `org_ids` (optionally of `roles`), by staff id."""
    stmt = select(Staff).where(Staff.org_id.in_(org_ids), Staff.status == "active")
    if roles:
        stmt = stmt.where(Staff.role.in_(roles))
    return list(session.scalars(stmt.order_by(Staff.staff_id)))
