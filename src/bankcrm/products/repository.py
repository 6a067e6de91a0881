"""Product catalogue queries."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.db import bulk
from bankcrm.products.models import Product


def upsert(session: Session, rows: pa.Table) -> int:
    return bulk.upsert(session, Product.__table__, rows)  # type: ignore[arg-type]
