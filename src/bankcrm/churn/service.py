"""Churn scores in the operational DB: the nightly's publish (replace all, bulk) and one
customer's score for staff who may see the customer (audited as a view)."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.churn import repository as repo
from bankcrm.churn import schemas as s
from bankcrm.churn.indicators import NOTES
from bankcrm.customers import service as customers
from bankcrm.errors import NotFound
from bankcrm.security import audit
from bankcrm.security.actor import Actor
from bankcrm.security.audit import Action

COLUMNS = ("customer_id", "model_version", "score", "band", "reasons", "indicators")


def publish(session: Session, rows: pa.Table, as_of: date) -> int:
    """Replace every stored score with the `churn_scores` mart rows of `as_of` (one run's
    scores: a customer no longer scored has no row). In the caller's transaction."""
    table = rows.select(list(COLUMNS)).append_column(
        "as_of", pa.array([as_of] * rows.num_rows, pa.date32())
    )
    return repo.replace_all(session, table)


def customer_churn(session: Session, actor: Actor, customer_id: str) -> s.ChurnView:
    """The customer's latest score, reasons and indicators; NotFound when the customer is out of
    the actor's scope (existence is not leaked) or has no score yet."""
    view = latest_churn(session, actor, customer_id)
    if view is None:
        raise NotFound(f"客户 {customer_id} 尚无流失评分")
    return view


def latest_churn(session: Session, actor: Actor, customer_id: str) -> s.ChurnView | None:
    """As `customer_churn`, None when the customer has no score yet (the 360 page's card)."""
    customers.require_visible(session, actor, customer_id, lookup=True)
    row = repo.one(session, actor, customer_id)
    if row is None:
        return None
    audit.record(
        session, actor, Action.view_customer, customer_id=customer_id, target="churn_score"
    )
    return s.ChurnView(
        customer_id=row.customer_id,
        as_of=row.as_of,
        model_version=row.model_version,
        score=row.score,
        band=row.band,
        reasons=[s.Reason(**r) for r in json.loads(row.reasons)],
        indicators=[s.Indicator(**i) for i in json.loads(row.indicators)],
        notes=list(NOTES),
    )
