"""The maintenance endpoints through the API: scope, permissions, CSRF-free bearer use, and
the audit row a contact leaves."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.maintenance import policies
from bankcrm.security.models import AuditEvent
from bankcrm.security.roles import Role
from bankcrm.tiering import service as tiering
from tests.security.conftest import bearer
from tests.security.world import World

WM = Role.wealth_manager


def test_a_contact_for_an_own_customer_and_404_outside_the_scope(
    client: TestClient, world: World, db_session: Session
) -> None:
    own = world.customer(WM, "own")
    body = {"customer_id": own, "channel": "phone", "note": "电话回访，客户近期有理财需求"}
    created = client.post("/api/v1/contacts", json=body, headers=bearer(world, WM))
    assert created.status_code == 201, created.text
    assert created.json()["completed_task"] is None  # no task due: recorded all the same
    other = {**body, "customer_id": world.customer(WM, "same_outlet")}
    assert client.post("/api/v1/contacts", json=other, headers=bearer(world, WM)).status_code == 404
    bad = {**body, "channel": "telegram"}
    assert client.post("/api/v1/contacts", json=bad, headers=bearer(world, WM)).status_code == 422
    seen = client.get(f"/api/v1/customers/{own}/contacts", headers=bearer(world, WM)).json()
    assert [c["note"] for c in seen] == [body["note"]]
    audits = db_session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "contact")
    )
    assert audits == 1


def test_compliance_pages_follow_the_permissions(
    client: TestClient, world: World, db_session: Session
) -> None:
    tiering.install_presets(db_session, "test")
    policies.install_presets(db_session, "test")
    teller = client.get("/api/v1/compliance?month=2026-11", headers=bearer(world, Role.teller))
    assert teller.status_code == 200 and teller.json() == []
    assert (
        client.get("/api/v1/compliance/coverage", headers=bearer(world, Role.teller)).status_code
        == 403
    )
    head = client.get("/api/v1/compliance/coverage", headers=bearer(world, Role.outlet_head))
    assert head.status_code == 200 and {r["org_id"] for r in head.json()["profile"]} == {"OU1"}
    book = client.get("/api/v1/compliance/meeting.xlsx", headers=bearer(world, Role.outlet_head))
    assert book.status_code == 200 and book.content[:2] == b"PK"
    assert (
        client.get("/api/v1/compliance?month=2026-13", headers=bearer(world, WM)).status_code == 422
    )
    queue = client.get("/api/v1/assignment/queue", headers=bearer(world, Role.outlet_head))
    assert queue.status_code == 200
    assert client.get("/api/v1/assignment/queue", headers=bearer(world, WM)).status_code == 403


def test_handover_through_the_api(client: TestClient, world: World) -> None:
    own = world.customer(WM, "own")
    body = {"customer_id": own, "to_staff_id": "S-account_manager", "reason": "客户要求更换"}
    req = client.post("/api/v1/handovers", json=body, headers=bearer(world, WM))
    assert req.status_code == 201, req.text
    hid = req.json()["id"]
    decision = {"decision": "approve", "note": "同意"}
    mine = client.post(
        f"/api/v1/handovers/{hid}/decision", json=decision, headers=bearer(world, WM)
    )
    assert mine.status_code == 403
    pending = client.get(
        "/api/v1/handovers?status=pending", headers=bearer(world, Role.outlet_head)
    )
    assert [h["can_decide"] for h in pending.json()] == [True]
    done = client.post(
        f"/api/v1/handovers/{hid}/decision", json=decision, headers=bearer(world, Role.outlet_head)
    )
    assert done.status_code == 200 and done.json()["status"] == "approved"
    history = client.get(
        f"/api/v1/customers/{own}/assignments", headers=bearer(world, Role.outlet_head)
    )
    assert [h["reason"] for h in history.json()] == ["handover"]
    # the former owner no longer sees the customer
    gone = client.get(f"/api/v1/customers/{own}", headers=bearer(world, WM))
    assert gone.status_code == 404


def test_views_of_maintenance_data_are_audited_and_scoped(
    client: TestClient, world: World, db_session: Session
) -> None:
    own, other = world.customer(WM, "own"), world.customer(WM, "other_outlet")

    def rows(action: str, target: str) -> int:
        stmt = select(func.count()).select_from(AuditEvent)
        stmt = stmt.where(AuditEvent.action == action, AuditEvent.target == target)
        return int(db_session.scalar(stmt) or 0)

    assert (
        client.get(f"/api/v1/customers/{own}/contacts", headers=bearer(world, WM)).status_code
        == 200
    )
    assert (
        client.get(f"/api/v1/customers/{own}/profile", headers=bearer(world, WM)).status_code == 200
    )
    assert client.get("/api/v1/tasks", headers=bearer(world, WM)).status_code == 200
    assert (rows("view_customer", "contacts"), rows("view_customer", "profile")) == (1, 1)
    assert rows("list_customers", "tasks") == 1
    for path in (f"/api/v1/customers/{other}/contacts", f"/api/v1/customers/{other}/profile"):
        assert client.get(path, headers=bearer(world, WM)).status_code == 404
    assert rows("view_customer", "contacts") == 1  # the refused views left nothing
