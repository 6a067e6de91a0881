"""Org tree and staff: published from the HR extracts by the nightly batch."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.orgs import repository as repo


def publish(session: Session, org_units: pa.Table, staff: pa.Table) -> tuple[int, int]:
    """Bulk upsert of the org tree (parents before children) and the staff list."""
    return repo.upsert_org_units(session, org_units), repo.upsert_staff(session, staff)
