"""Customer snapshot: profile and nightly figures, published per as_of."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.customers import repository as repo


def publish_snapshot(session: Session, rows: pa.Table) -> int:
    """Bulk upsert; a row older than the stored one (re-running an old date) changes nothing."""
    return repo.upsert_snapshot(session, rows)
