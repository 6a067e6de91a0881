"""Churn score queries: the bulk replace the nightly publishes, one customer's row (scoped)."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bankcrm.churn.models import ChurnScore
from bankcrm.db import bulk
from bankcrm.security.actor import Actor
from bankcrm.security.scope import scoped


def replace_all(session: Session, rows: pa.Table) -> int:
    """The table holds the latest run's scores only: every stored row goes, then a bulk insert."""
    session.execute(delete(ChurnScore))
    return bulk.insert(session, ChurnScore.__table__, rows)  # type: ignore[arg-type]


def one(session: Session, actor: Actor, customer_id: str) -> ChurnScore | None:
    stmt = select(ChurnScore).where(ChurnScore.customer_id == customer_id)
    return session.scalars(scoped(stmt, actor, ChurnScore.customer_id, lookup=True)).first()


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ChurnScore)) or 0)
