"""The audit log: one row per audited action in the action's own transaction, a hash chain that
reveals tampering, append-only, retention with a floor (issue 5 §3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bankcrm.db.base import utcnow
from bankcrm.security import audit, passwords
from bankcrm.security.actor import SYSTEM
from bankcrm.security.audit import Action
from bankcrm.security.models import AuditEvent
from bankcrm.security.roles import Role
from tests.security.conftest import bearer
from tests.security.world import World


def rows(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(session.scalars(stmt))


def test_a_view_an_unmask_an_export_and_a_login_each_leave_exactly_one_row(
    client: TestClient, world: World, db_session: Session
) -> None:
    role = Role.wealth_manager
    cid, h = world.customer(role, "own"), bearer(world, role)
    assert client.get(f"/api/v1/customers/{cid}", headers=h).status_code == 200
    body = {"fields": ["name", "phone"], "reason": "客户来电核实"}
    assert client.post(f"/api/v1/customers/{cid}/unmask", json=body, headers=h).status_code == 200
    assert (
        client.get("/api/v1/customers/export", params={"format": "xlsx"}, headers=h).status_code
        == 200
    )
    user = world.users[role]
    user.password_hash = passwords.hash_password("Tide-Lantern-42x")
    db_session.flush()
    csrf = client.get("/api/v1/auth/csrf").json()["csrf_token"]
    client.post(
        "/api/v1/auth/login",
        json={"username": user.username, "password": "Tide-Lantern-42x"},
        headers={"X-CSRF-Token": csrf},
    )
    (view,) = rows(db_session, Action.view_customer)
    (unmask,) = rows(db_session, Action.unmask)
    (export,) = rows(db_session, Action.export)
    (login,) = rows(db_session, Action.login)
    assert view.customer_id == cid and view.username == user.username
    assert unmask.reason == "客户来电核实" and '"name"' in (unmask.detail or "")
    assert export.rows == 1 and '"masked": true' in (export.detail or "")
    assert login.user_id == user.id


def test_a_rolled_back_request_leaves_no_audit_row(
    client: TestClient, world: World, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit row is written, then the request fails: both go."""
    from bankcrm.customers import schemas

    def broken(**_kw: object) -> None:
        raise RuntimeError("injected after the audit row")

    monkeypatch.setattr(schemas, "UnmaskedValues", broken)
    role = Role.wealth_manager
    cid = world.customer(role, "own")
    body = {"fields": ["name"], "reason": "客户来电核实"}
    with pytest.raises(RuntimeError):
        client.post(f"/api/v1/customers/{cid}/unmask", json=body, headers=bearer(world, role))
    assert rows(db_session, Action.unmask) == []


def _chain(session: Session, n: int) -> list[AuditEvent]:
    for i in range(n):
        audit.record(session, SYSTEM, Action.export, rows=i, detail={"i": i})
    return rows(session, Action.export)


def _drop_update_guard(session: Session) -> None:
    """What a tamperer with DBA rights would do first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"))
    else:
        session.execute(text("DROP TRIGGER audit_log_no_update"))


def test_the_chain_verifies_and_tampering_fails_at_that_row(db_session: Session) -> None:
    chain = _chain(db_session, 5)
    assert audit.verify(db_session).first_broken is None
    assert audit.verify(db_session).checked == 5
    _drop_update_guard(db_session)
    db_session.execute(text("UPDATE audit_log SET rows = 999 WHERE id = :id"), {"id": chain[2].id})
    result = audit.verify(db_session)
    assert result.first_broken == chain[2].id and result.checked == 2


def test_deleting_a_row_inside_the_chain_is_reported_at_the_next(db_session: Session) -> None:
    chain = _chain(db_session, 4)
    db_session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": chain[1].id})
    assert audit.verify(db_session).first_broken == chain[2].id


def test_the_log_refuses_updates(db_session: Session) -> None:
    chain = _chain(db_session, 1)
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(
            text("UPDATE audit_log SET reason = 'x' WHERE id = :id"), {"id": chain[0].id}
        )


def test_purge_removes_only_rows_past_retention_and_keeps_the_chain_verifiable(
    db_session: Session,
) -> None:
    chain = _chain(db_session, 3)
    old = utcnow() - timedelta(days=200)
    _drop_update_guard(db_session)
    # age the first row (its hash no longer matches, but it is about to go)
    db_session.execute(
        text("UPDATE audit_log SET at = :at WHERE id = :id"), {"at": old, "id": chain[0].id}
    )
    assert audit.purge(db_session, SYSTEM, retention_days=180) == 1
    db_session.expire_all()
    left = db_session.scalar(select(func.count()).where(AuditEvent.action == Action.export))
    assert left == 2
    assert audit.verify(db_session).first_broken is None
    with pytest.raises(ValueError, match="180"):
        audit.purge(db_session, SYSTEM, retention_days=179)


def test_auditors_search_in_their_subtree_only(
    client: TestClient, world: World, db_session: Session
) -> None:
    role = Role.wealth_manager
    cid = world.customer(role, "own")
    client.get(f"/api/v1/customers/{cid}", headers=bearer(world, role))
    r = client.get(
        "/api/v1/audit", params={"customer_id": cid}, headers=bearer(world, Role.auditor)
    )
    assert r.status_code == 200
    (item,) = r.json()["items"]
    assert item["action"] == Action.view_customer and item["action_label"] == "查看客户"
    # an auditor of another sub-branch sees nothing of this outlet
    auditor = world.users[Role.auditor]
    auditor.org_id = "SB2"
    db_session.flush()
    r = client.get(
        "/api/v1/audit", params={"customer_id": cid}, headers=bearer(world, Role.auditor)
    )
    assert r.json()["items"] == []


def test_concurrent_appends_keep_one_chain(db_engine) -> None:  # type: ignore[no-untyped-def]
    """Eight threads appending at once, each in its own committed transaction: the chain stays
    one line (no two rows on the same previous hash)."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy.orm import sessionmaker

    factory = sessionmaker(bind=db_engine)

    def append(i: int) -> None:
        for j in range(10):
            with factory() as session:
                session.execute(select(func.count()).select_from(AuditEvent))  # a read first
                audit.record(session, SYSTEM, "test_concurrency", rows=i * 100 + j)
                session.commit()

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(append, range(8)))
        with factory() as session:
            result = audit.verify(session)
            prevs = session.scalars(select(AuditEvent.prev_hash)).all()
        assert result.first_broken is None and result.checked >= 80
        assert len(prevs) == len(set(prevs))
    finally:
        with factory() as session:
            session.execute(text("DELETE FROM audit_log WHERE action = 'test_concurrency'"))
            session.commit()
