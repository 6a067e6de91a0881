"""/api/v1/retention through the API: the owner's cases only (404 outside), a contact logged on
a case, the audited detail, and the effect for those who may read aggregates."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.churn.models import RetentionCase
from bankcrm.maintenance.models import Contact
from bankcrm.security.models import AuditEvent
from bankcrm.security.roles import Role
from tests.security.conftest import bearer, client, settings  # noqa: F401  (shared fixtures)
from tests.security.world import World
from tests.security.world import build as build_world

WM = Role.wealth_manager
pytestmark = pytest.mark.db


@pytest.fixture
def world(db_session: Session) -> World:
    return build_world(db_session)


def case(s: Session, cid: str, org: str, owner: str | None, group: str = "treated") -> int:
    row = RetentionCase(
        customer_id=cid,
        opened_on=date(2026, 10, 31),
        group_name=group,
        seed=1,
        model_version="m1",
        score=0.81,
        reasons=json.dumps([{"code": "outflow", "text": "近30天转出他行 38.2万"}]),
        suggested_actions=json.dumps(["了解资金去向", "推荐同类产品"]),
        owner_staff_id=owner,
        org_id=org,
        rule_set="maintenance_3tier",
        tier="中端",
        aum_month_avg_fen=40_000_000,
        due_on=date(2026, 11, 14),
        window_end=date(2027, 1, 31),
        status="open",
    )
    s.add(row)
    s.flush()
    return row.id


def audits(s: Session, action: str) -> int:
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    return s.scalar(stmt) or 0


def test_an_owner_works_their_own_cases_and_gets_404_outside(
    client: TestClient,  # noqa: F811
    world: World,
    db_session: Session,
) -> None:
    own = case(db_session, world.customer(WM, "own"), "OU1", f"S-{WM.value}")
    other = case(db_session, "C-OU1", "OU1", "S-OTHER1")
    control = case(db_session, "C-OU2", "OU2", None, "control")
    h = bearer(world, WM)
    listed = client.get("/api/v1/retention/cases", headers=h)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [own]
    assert items[0]["suggested_actions"] == ["了解资金去向", "推荐同类产品"]
    assert items[0]["reasons"][0]["text"] == "近30天转出他行 38.2万"
    assert items[0]["customer_name"] == "欧**华"
    for hidden in (other, control, 999_999):
        assert client.get(f"/api/v1/retention/cases/{hidden}", headers=h).status_code == 404
    body = {"kind": "contact", "channel": "phone", "note": "客户资金转他行买理财，已推荐同类产品"}
    url = f"/api/v1/retention/cases/{own}/actions"
    created = client.post(url, json=body, headers=h)
    assert created.status_code == 201, created.text
    contact = db_session.get(Contact, created.json()["contact_id"])
    assert contact is not None and contact.customer_id == world.customer(WM, "own")
    assert audits(db_session, "contact") == 1
    refused = client.post(f"/api/v1/retention/cases/{other}/actions", json=body, headers=h)
    assert refused.status_code == 404
    no_channel = {"kind": "contact", "note": "x"}
    assert client.post(url, json=no_channel, headers=h).status_code == 422
    assert client.post(url, json={**body, "kind": "gift"}, headers=h).status_code == 422
    views = audits(db_session, "view_customer")
    detail = client.get(f"/api/v1/retention/cases/{own}", headers=h).json()
    assert [a["kind"] for a in detail["actions"]] == ["contact"]
    assert audits(db_session, "view_customer") == views + 1
    closed = client.post(f"/api/v1/retention/cases/{own}/close", json={}, headers=h)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert (
        client.post(f"/api/v1/retention/cases/{own}/close", json={}, headers=h).status_code == 409
    )


def test_a_head_sees_the_outlets_cases_and_the_effect_follows_permissions(
    client: TestClient,  # noqa: F811
    world: World,
    db_session: Session,
) -> None:
    own = case(db_session, world.customer(WM, "own"), "OU1", f"S-{WM.value}")
    other = case(db_session, "C-OU1", "OU1", "S-OTHER1")
    case(db_session, world.customer(Role.teller, "own"), "OU1", None, "control")
    far = case(db_session, "C-OU3", "OU3", "S-OTHER3")
    head = client.get("/api/v1/retention/cases", headers=bearer(world, Role.outlet_head)).json()
    assert sorted(i["id"] for i in head["items"]) == sorted([own, other])
    assert far not in [i["id"] for i in head["items"]]
    effect = client.get("/api/v1/retention/effect", headers=bearer(world, Role.analyst))
    assert effect.status_code == 200, effect.text
    assert effect.json()["overall"]["treated"] == 0  # no outcome yet
    assert effect.json()["method"].startswith("Newcombe")
    auditor = client.get("/api/v1/retention/effect", headers=bearer(world, Role.auditor))
    assert auditor.status_code == 403
    bad = client.get("/api/v1/retention/effect?org=OU3", headers=bearer(world, Role.outlet_head))
    assert bad.status_code == 404
