"""Product catalogue: published from the products extract by the nightly batch."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.products import repository as repo


def publish(session: Session, rows: pa.Table) -> int:
    return repo.upsert(session, rows)
