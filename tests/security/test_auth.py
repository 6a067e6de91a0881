"""Login, sessions, throttling, CSRF and the password policy (issue 5 §1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.config import Settings
from bankcrm.db.base import utcnow
from bankcrm.errors import InvalidInput
from bankcrm.security import passwords
from bankcrm.security.audit import Action
from bankcrm.security.models import AuditEvent, User, UserSession
from bankcrm.security.roles import Role
from tests.security.conftest import app_on
from tests.security.world import World

PASSWORD = "Tide-Lantern-42x"


def set_password(session: Session, user: User, password: str = PASSWORD) -> None:
    user.password_hash = passwords.hash_password(password)
    session.flush()


def expired(db_session: Session, world: World) -> User:
    """The outlet head, with PASSWORD set 91 days ago."""
    user = world.users[Role.outlet_head]
    set_password(db_session, user)
    user.password_changed_at = utcnow() - timedelta(days=91)
    db_session.flush()
    return user


def login(client: TestClient, username: str, password: str = PASSWORD) -> tuple[int, dict]:
    csrf = client.get("/api/v1/auth/csrf").json()["csrf_token"]
    r = client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-CSRF-Token": csrf},
    )
    return r.status_code, r.json()


def audits(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Short-1a", "至少 12"),
        ("x" * 129, "最多 128"),
        ("password1234", "过于常见"),
        ("Qwertyuiop12!", "过于常见"),
        ("alllowercaseletters", "至少 3 类"),
        ("S-wealth_manager-Xy9", "用户名"),
    ],
)
def test_password_policy_refuses(password: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        passwords.check_policy(password, Settings(), username="S-wealth_manager")


def test_password_policy_accepts_and_complexity_is_configurable() -> None:
    passwords.check_policy(PASSWORD, Settings())
    passwords.check_policy("lowercase only but long", Settings(password_min_classes=1))


def test_hash_is_argon2id_with_at_least_19_mib_and_two_passes() -> None:
    stored = passwords.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2


def test_login_rehashes_a_hash_made_with_old_parameters(
    client: TestClient, world: World, db_session: Session
) -> None:
    user = world.users[Role.wealth_manager]
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024).hash(PASSWORD)
    db_session.flush()
    assert login(client, user.username)[0] == 200
    db_session.refresh(user)
    assert user.password_hash and "t=2" in user.password_hash and "m=19456" in user.password_hash


def test_login_needs_the_login_csrf_token(
    client: TestClient, world: World, db_session: Session
) -> None:
    user = world.users[Role.wealth_manager]
    set_password(db_session, user)
    r = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert r.status_code == 403


def test_login_sets_a_strict_httponly_cookie_with_a_new_session_each_time(
    client: TestClient, world: World, db_session: Session
) -> None:
    user = world.users[Role.wealth_manager]
    set_password(db_session, user)
    ids = set()
    for _ in range(2):
        csrf = client.get("/api/v1/auth/csrf").json()["csrf_token"]
        r = client.post(
            "/api/v1/auth/login",
            json={"username": user.username, "password": PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )
        assert r.status_code == 200
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
        ids.add(client.cookies.get("bankcrm_session"))
    assert len(ids) == 2
    assert db_session.scalar(select(func.count()).where(UserSession.user_id == user.id)) == 2


def test_logout_invalidates_the_session_on_the_server(
    client: TestClient, world: World, db_session: Session
) -> None:
    user = world.users[Role.wealth_manager]
    set_password(db_session, user)
    _status, me = login(client, user.username)
    token = client.cookies.get("bankcrm_session")
    assert (
        client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": me["csrf_token"]}).status_code
        == 204
    )
    client.cookies.set("bankcrm_session", token)  # replaying the old cookie
    assert client.get("/api/v1/auth/me").status_code == 401


def test_five_failures_lock_the_account_for_15_minutes_then_doubling(
    client: TestClient, world: World, db_session: Session
) -> None:
    user = world.users[Role.wealth_manager]
    set_password(db_session, user)
    codes = [login(client, user.username, "Wrong-password-1")[0] for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    status, body = login(client, user.username)  # the right password while locked
    assert status == 429 and "锁定" in body["detail"]
    db_session.refresh(user)
    assert user.locked_until is not None
    first = user.locked_until.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
    assert timedelta(minutes=14) < first <= timedelta(minutes=15)
    assert audits(db_session, Action.login_failed) == 6
    assert audits(db_session, Action.account_locked) == 1
    # the lock runs out; five more failures lock for twice as long
    user.locked_until = utcnow() - timedelta(seconds=1)
    db_session.flush()
    for _ in range(5):
        login(client, user.username, "Wrong-password-1")
    db_session.refresh(user)
    second = user.locked_until.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
    assert timedelta(minutes=29) < second <= timedelta(minutes=30)


def test_failures_from_one_address_lock_that_address(
    db_session: Session,
    db_engine,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    app = app_on(db_session, db_engine, Settings(lake_path=tmp_path, address_max_failures=3))
    with TestClient(app) as c:
        codes = [login(c, f"nobody{i}", "Wrong-password-1")[0] for i in range(4)]
    assert codes == [401, 401, 401, 429]
    assert audits(db_session, Action.address_locked) == 1


def test_an_idle_session_expires_and_is_removed(
    client: TestClient, world: World, db_session: Session
) -> None:
    user = world.users[Role.wealth_manager]
    set_password(db_session, user)
    login(client, user.username)
    assert client.get("/api/v1/auth/me").status_code == 200
    row = db_session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    row.last_seen_at = utcnow() - timedelta(minutes=16)
    db_session.flush()
    assert client.get("/api/v1/auth/me").status_code == 401
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).where(UserSession.user_id == user.id)) == 0


def test_a_session_past_its_lifetime_expires(
    client: TestClient, world: World, db_session: Session
) -> None:
    user = world.users[Role.wealth_manager]
    set_password(db_session, user)
    login(client, user.username)
    row = db_session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_post_without_the_csrf_token_is_refused(
    client: TestClient, world: World, db_session: Session
) -> None:
    user = world.users[Role.wealth_manager]
    set_password(db_session, user)
    _status, me = login(client, user.username)
    cid = world.customer(Role.wealth_manager, "own")
    body = {"fields": ["name"], "reason": "核实客户身份"}
    url = f"/api/v1/customers/{cid}/unmask"
    assert client.post(url, json=body).status_code == 403
    assert client.post(url, json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert (
        client.post(url, json=body, headers={"X-CSRF-Token": me["csrf_token"]}).status_code == 200
    )


def test_access_tokens_act_as_their_owner_until_revoked(
    client: TestClient, world: World, db_session: Session
) -> None:
    user = world.users[Role.outlet_head]
    set_password(db_session, user)
    _status, me = login(client, user.username)
    made = client.post(
        "/api/v1/tokens",
        json={"name": "报表脚本", "days": 30},
        headers={"X-CSRF-Token": me["csrf_token"]},
    ).json()
    api = TestClient(client.app)
    h = {"Authorization": f"Bearer {made['token']}"}
    assert api.get("/api/v1/auth/me", headers=h).json()["username"] == user.username
    assert api.get("/api/v1/customers", headers=h).status_code == 200
    revoke = client.delete(
        f"/api/v1/tokens/{made['id']}", headers={"X-CSRF-Token": me["csrf_token"]}
    )
    assert revoke.status_code == 204
    assert api.get("/api/v1/customers", headers=h).status_code == 401


def test_security_headers(client: TestClient) -> None:
    r = client.get("/api/v1/auth/csrf")
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    assert "default-src 'self'" in docs.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"session_idle_minutes": 31},
        {"session_max_hours": 13},
        {"audit_retention_days": 179},
        {"password_min_length": 8},
    ],
)
def test_settings_refuse_values_past_their_caps(overrides: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        Settings(**overrides)  # type: ignore[arg-type]


def test_an_expired_password_must_be_changed_before_anything_else(
    world: World,
    db_session: Session,
    db_engine,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    app = app_on(db_session, db_engine, Settings(lake_path=tmp_path, password_max_age_days=90))
    user = expired(db_session, world)
    with TestClient(app) as c:
        status, me = login(c, user.username)
        assert status == 200 and me["password_expired"] is True
        h = {"X-CSRF-Token": me["csrf_token"]}
        refused = c.get("/api/v1/customers")
        assert refused.status_code == 403 and "口令已过期" in refused.json()["detail"]
        wrong = c.post(
            "/api/v1/auth/password",
            json={"old_password": "nope", "new_password": "Brand-New-Pass-77"},
            headers=h,
        )
        assert wrong.status_code == 422
        weak = c.post(
            "/api/v1/auth/password",
            json={"old_password": PASSWORD, "new_password": "password1234"},
            headers=h,
        )
        assert weak.status_code == 422
        ok = c.post(
            "/api/v1/auth/password",
            json={"old_password": PASSWORD, "new_password": "Brand-New-Pass-77"},
            headers=h,
        )
        assert ok.status_code == 204
        assert c.get("/api/v1/customers").status_code == 200
    assert audits(db_session, Action.user_change) >= 1


def test_the_workbench_login_sends_an_expired_password_to_the_change_form(
    world: World,
    db_session: Session,
    db_engine,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    """The server-rendered forms (no browser needed): login → /password → change → home."""
    import re

    from bankcrm.ui import login as login_forms

    app = app_on(db_session, db_engine, Settings(lake_path=tmp_path, password_max_age_days=90))
    app.include_router(login_forms.router)  # the forms alone, without the NiceGUI pages
    user = expired(db_session, world)
    with TestClient(app, follow_redirects=False) as c:
        page = c.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        r = c.post("/login", data={"username": user.username, "password": PASSWORD, "csrf": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/password"
        form = c.get("/password").text
        assert "口令已过期" in form
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        mismatch = c.post(
            "/password",
            data={
                "old_password": PASSWORD,
                "new_password": "Brand-New-Pass-77",
                "again": "Other-New-Pass-77",
                "csrf": csrf,
            },
        )
        assert mismatch.status_code == 422 and "不一致" in mismatch.text
        done = c.post(
            "/password",
            data={
                "old_password": PASSWORD,
                "new_password": "Brand-New-Pass-77",
                "again": "Brand-New-Pass-77",
                "csrf": csrf,
            },
        )
        assert done.status_code == 303 and done.headers["location"] == "/"
