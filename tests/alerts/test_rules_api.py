"""/api/v1/alerts/rules: rule_admin reads the rules and saves a new version (audited); front-line
staff may not change them; a broken document is a 422 that names the problem."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.alerts import service
from bankcrm.security.models import AuditEvent
from bankcrm.security.roles import Role
from tests.security.conftest import bearer, client, settings  # noqa: F401  (shared fixtures)
from tests.security.world import World
from tests.security.world import build as build_world

pytestmark = pytest.mark.db


@pytest.fixture
def world(db_session: Session) -> World:
    service.install_presets(db_session, "test")
    return build_world(db_session)


def rule_changes(s: Session) -> int:
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "rule_change")
    return s.scalar(stmt) or 0


def test_rule_admin_saves_a_new_version_and_it_is_audited(
    client: TestClient,  # noqa: F811
    world: World,
    db_session: Session,
) -> None:
    h = bearer(world, Role.rule_admin)
    got = client.get("/api/v1/alerts/rules", headers=h)
    assert got.status_code == 200, got.text
    current = got.json()
    assert current["version"] == 1 and "drop_pct = 20" in current["toml"]
    before = rule_changes(db_session)
    edited = current["toml"].replace("drop_pct = 20", "drop_pct = 25")
    saved = client.post("/api/v1/alerts/rules", json={"toml": edited}, headers=h)
    assert saved.status_code == 201, saved.text
    assert saved.json()["version"] == 2 and "drop_pct = 25" in saved.json()["toml"]
    assert rule_changes(db_session) == before + 1
    aum_drop = service.rules(db_session).spec.rule("aum_drop")
    assert aum_drop is not None and aum_drop.drop_pct == 25


def test_only_rule_admin_edits_and_a_broken_document_is_a_422(
    client: TestClient,  # noqa: F811
    world: World,
) -> None:
    toml = client.get("/api/v1/alerts/rules", headers=bearer(world, Role.rule_admin)).json()["toml"]
    wm = bearer(world, Role.wealth_manager)
    assert client.post("/api/v1/alerts/rules", json={"toml": toml}, headers=wm).status_code == 403
    h = bearer(world, Role.rule_admin)
    broken = client.post("/api/v1/alerts/rules", json={"toml": "rules = ["}, headers=h)
    assert broken.status_code == 422 and "TOML" in broken.text
    wrong = toml.replace("drop_pct = 20", "drop_pct = 20\nlead_days = 3")
    bad = client.post("/api/v1/alerts/rules", json={"toml": wrong}, headers=h)
    assert bad.status_code == 422 and "lead_days" in bad.text
    stored = client.get("/api/v1/alerts/rules", headers=h).json()
    assert stored["version"] == 1 and stored["toml"] == toml  # nothing was written
