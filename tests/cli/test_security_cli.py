"""`bankcrm users …` and `bankcrm audit verify|purge` end to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.config import get_settings

runner = CliRunner()
PASSWORD = "Tide-Lantern-42x"


@pytest.fixture
def env(cli_home: Path) -> Iterator[sa.Engine]:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = sa.create_engine(f"sqlite:///{cli_home / 'crm.db'}")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO org_units (org_id, parent_id, name, level, as_of, loaded_at) "
                "VALUES ('HO', NULL, '总行', 'head_office', :d, CURRENT_TIMESTAMP)"
            ),
            {"d": date(2026, 10, 31)},
        )
    yield engine
    engine.dispose()


def test_users_create_list_set_password_disable(env: sa.Engine) -> None:
    made = runner.invoke(
        app,
        [
            "users",
            "create",
            "audit01",
            "--org",
            "HO",
            "--role",
            "auditor",
            "--name",
            "审计一",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert made.exit_code == 0, made.output
    listed = runner.invoke(app, ["users", "list"])
    assert "audit01" in listed.output and "审计" in listed.output and "已设置" in listed.output
    weak = runner.invoke(
        app, ["users", "set-password", "audit01", "--password-stdin"], input="password1234\n"
    )
    assert weak.exit_code == 2 and "常见" in weak.output
    assert runner.invoke(app, ["users", "disable", "audit01"]).exit_code == 0
    assert "停用" in runner.invoke(app, ["users", "list"]).output
    bad_role = runner.invoke(
        app,
        ["users", "create", "x1", "--org", "HO", "--role", "boss", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert bad_role.exit_code == 2 and "未知角色" in bad_role.output
    with env.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_audit_verify_reports_the_first_broken_row(env: sa.Engine) -> None:
    for name in ("u1", "u2", "u3"):
        runner.invoke(
            app,
            ["users", "create", name, "--org", "HO", "--role", "admin", "--password-stdin"],
            input=PASSWORD + "\n",
        )
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "3 条记录" in ok.output
    with env.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        second = conn.execute(
            sa.text("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 1")
        ).scalar_one()
        conn.execute(sa.text("UPDATE audit_log SET target = 'u9' WHERE id = :i"), {"i": second})
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1 and f"第 {second} 条" in broken.output


def test_audit_purge_keeps_younger_rows(env: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(
        app,
        ["users", "create", "u1", "--org", "HO", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    out = runner.invoke(app, ["audit", "purge"])
    assert out.exit_code == 0 and "已清理 0 条" in out.output
    monkeypatch.setenv("BANKCRM_AUDIT_RETENTION_DAYS", "90")
    get_settings.cache_clear()
    refused = runner.invoke(app, ["audit", "purge"])
    assert refused.exit_code == 2 and "180" in refused.output


def test_serve_refuses_several_workbench_processes_and_a_bad_business_date(env: sa.Engine) -> None:
    several = runner.invoke(app, ["serve", "--workers", "2"])
    assert several.exit_code != 0 and "--api-only" in several.output
    bad = runner.invoke(app, ["serve", "--business-date", "2026-13-01"])
    assert bad.exit_code != 0 and "--business-date" in bad.output
    none_yet = runner.invoke(app, ["serve", "--business-date", "auto"])
    assert none_yet.exit_code != 0 and "还没有夜间批处理结果" in none_yet.output
