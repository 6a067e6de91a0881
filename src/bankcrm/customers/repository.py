"""Customer snapshot queries."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.customers.models import Customer
from bankcrm.db import bulk


def upsert_snapshot(session: Session, rows: pa.Table) -> int:
    fresh = session.scalar(select(Customer.customer_id).limit(1)) is None
    return bulk.upsert(session, Customer.__table__, rows, fresh=fresh)  # type: ignore[arg-type]
