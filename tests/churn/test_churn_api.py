"""GET /api/v1/customers/{id}/churn: the owner reads the score with its reasons (audited as a
view); a customer outside the user's scope, or not scored yet, is a 404."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.churn.models import ChurnScore
from bankcrm.security.models import AuditEvent
from bankcrm.security.roles import Role
from tests.security.conftest import bearer, client, settings  # noqa: F401  (shared fixtures)
from tests.security.world import World
from tests.security.world import build as build_world

WM = Role.wealth_manager
pytestmark = pytest.mark.db
REASON = (
    '[{"code": "outflow_other_bank_30d_fen", "text": "近30天转出他行 38.2万", '
    '"value": 38249999, "contribution": 0.8123}]'
)
INDICATOR = '[{"code": "outflow_other_bank", "text": "近30天转出他行 38.2万"}]'


@pytest.fixture
def world(db_session: Session) -> World:
    return build_world(db_session)


def score(s: Session, cid: str) -> None:
    s.add(
        ChurnScore(
            customer_id=cid,
            model_version="20261031-abcdef12",
            score=0.62,
            band="high",
            reasons=REASON,
            indicators=INDICATOR,
            as_of=date(2026, 10, 31),
        )
    )
    s.flush()


def views(s: Session) -> int:
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.target == "churn_score")
    return s.scalar(stmt) or 0


def test_the_owner_reads_the_score_and_reasons_and_the_view_is_audited(
    client: TestClient,  # noqa: F811
    world: World,
    db_session: Session,
) -> None:
    own = world.customer(WM, "own")
    score(db_session, own)
    before = views(db_session)
    r = client.get(f"/api/v1/customers/{own}/churn", headers=bearer(world, WM))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["score"], body["band"], body["as_of"]) == (0.62, "high", "2026-10-31")
    assert body["reasons"][0]["text"] == "近30天转出他行 38.2万"
    assert body["reasons"][0]["value"] == 38249999
    assert body["indicators"] == [{"code": "outflow_other_bank", "text": "近30天转出他行 38.2万"}]
    assert views(db_session) == before + 1


def test_out_of_scope_or_unscored_customers_are_404(
    client: TestClient,  # noqa: F811
    world: World,
    db_session: Session,
) -> None:
    outside = world.customer(WM, "other_sub_branch")
    score(db_session, outside)
    h = bearer(world, WM)
    assert client.get(f"/api/v1/customers/{outside}/churn", headers=h).status_code == 404
    unscored = world.customer(WM, "own")
    r = client.get(f"/api/v1/customers/{unscored}/churn", headers=h)
    assert r.status_code == 404 and "尚无流失评分" in r.json()["detail"]
    assert views(db_session) == 0
