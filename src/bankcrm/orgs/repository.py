"""Org tree and staff queries."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.db import bulk
from bankcrm.orgs.models import OrgUnit, Staff


def upsert_org_units(session: Session, rows: pa.Table) -> int:
    return bulk.upsert(session, OrgUnit.__table__, rows)  # type: ignore[arg-type]


def upsert_staff(session: Session, rows: pa.Table) -> int:
    return bulk.upsert(session, Staff.__table__, rows)  # type: ignore[arg-type]
