"""Customer snapshot queries."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.customers.models import Customer
from bankcrm.db import bulk


def upsert_snapshot(session: Session, rows: pa.Table) -> int:
    return bulk.upsert(session, Customer.__table__, rows)  # type: ignore[arg-type]
