"""Publishing churn scores (replace all, idempotent) and reading one customer's score in scope."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.churn import service
from bankcrm.churn.models import ChurnScore
from bankcrm.errors import NotFound
from bankcrm.security.audit import Action
from bankcrm.security.models import AuditEvent
from tests.maintenance.bank import Bank, actor, build

REASON = '[{"code": "outflow_other_bank_30d_fen", "text": "近30天转出他行 38.2万", "value": 38249999, "contribution": 0.8123}]'
INDICATOR = '[{"code": "outflow_other_bank", "text": "近30天转出他行 38.2万"}]'


def _rows(ids: list[str], score: float) -> pa.Table:
    n = len(ids)
    return pa.table(
        {
            "customer_id": ids,
            "model_version": ["20261031-abcdef12"] * n,
            "score": [score] * n,
            "band": ["high" if score >= 0.3 else "low"] * n,
            "reasons": [REASON] * n,
            "indicators": [INDICATOR] * n,
        }
    )


def _stored(session: Session) -> dict[str, tuple[float, str, date]]:
    return {r.customer_id: (r.score, r.band, r.as_of) for r in session.scalars(select(ChurnScore))}


def test_publish_replaces_every_score_and_is_idempotent(db_session: Session) -> None:
    assert service.publish(db_session, _rows(["C1", "C2", "C3"], 0.5), date(2026, 10, 31)) == 3
    service.publish(db_session, _rows(["C2", "C4"], 0.05), date(2026, 11, 1))
    db_session.flush()
    expected = {c: (0.05, "low", date(2026, 11, 1)) for c in ("C2", "C4")}
    assert _stored(db_session) == expected
    service.publish(db_session, _rows(["C2", "C4"], 0.05), date(2026, 11, 1))  # a re-run
    db_session.flush()
    assert _stored(db_session) == expected


@pytest.fixture
def bank(db_session: Session) -> Bank:
    return build(db_session)


def test_a_customers_score_is_scoped_and_audited(db_session: Session, bank: Bank) -> None:
    bank.customer("C1", "OU1", "高端")
    bank.customer("C2", "OU1", "中端")
    service.publish(db_session, _rows(["C1"], 0.42), date(2026, 10, 31))
    db_session.flush()
    view = service.customer_churn(db_session, actor("H1"), "C1")
    assert (view.score, view.band, view.as_of) == (0.42, "high", date(2026, 10, 31))
    assert view.reasons[0].text == "近30天转出他行 38.2万"
    assert view.reasons[0].value == 38249999
    assert view.indicators[0].code == "outflow_other_bank"
    assert any("投诉" in n for n in view.notes)
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == Action.view_customer)
    ).all()
    assert [(e.customer_id, e.target) for e in events] == [("C1", "churn_score")]
    with pytest.raises(NotFound):
        service.customer_churn(db_session, actor("H3"), "C1")  # another outlet's customer
    with pytest.raises(NotFound):
        service.customer_churn(db_session, actor("H1"), "C2")  # no score yet
