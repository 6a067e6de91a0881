"""`bankcrm maintenance policy …` and `bankcrm maintenance run` end to end on a database of the
test's own."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.db.session import get_engine

runner = CliRunner()


@pytest.fixture
def env(cli_home: Path) -> Path:
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "已安装预置维护方案 maintenance_3tier" in upgraded.output
    return cli_home


def test_list_export_edit_and_import_a_new_version(env: Path) -> None:
    listing = runner.invoke(app, ["maintenance", "policy", "list"])
    assert listing.exit_code == 0, listing.output
    assert "maintenance_3tier 第 1 版" in listing.output and "outlet_adoption" in listing.output
    out = env / "p.toml"
    exported = runner.invoke(
        app, ["maintenance", "policy", "export", "maintenance_3tier", "--out", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    text = out.read_text("utf-8")
    same = runner.invoke(app, ["maintenance", "policy", "import", str(out)])
    assert "未产生新版本" in same.output
    out.write_text(text.replace("salons_per_year = 3", "salons_per_year = 4"), encoding="utf-8")
    saved = runner.invoke(app, ["maintenance", "policy", "import", str(out)])
    assert saved.exit_code == 0 and "第 2 版" in saved.output
    shown = runner.invoke(app, ["maintenance", "policy", "show", "maintenance_3tier"])
    assert "salons_per_year = 4" in shown.output
    with get_engine().connect() as conn:  # the change is audited (the unchanged import is not)
        rows = conn.execute(
            sa.text("SELECT username, target FROM audit_log WHERE action = 'rule_change'")
        ).all()
    assert [t for _u, t in rows] == ["maintenance_policy:maintenance_3tier"]
    assert rows[0][0].startswith("cli:")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('tier = "顶级"', 'tier = "至尊"', 1), "层级 至尊 不在规则集"),
        (lambda t: t.replace('"春节"', '"圣诞"', 1), "未知的问候日 圣诞"),
        (lambda t: t.replace("teller = 150", "teller = 0"), "管户容量"),
        (lambda t: t + "\nbogus = 1\n", "未定义的字段"),
    ],
)
def test_a_bad_policy_is_refused_with_the_reason(env: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    out = env / "p.toml"
    runner.invoke(app, ["maintenance", "policy", "export", "maintenance_3tier", "--out", str(out)])
    out.write_text(edit(out.read_text("utf-8")), encoding="utf-8")
    refused = runner.invoke(app, ["maintenance", "policy", "import", str(out)])
    assert refused.exit_code != 0 and message in refused.output, refused.output
    listing = runner.invoke(app, ["maintenance", "policy", "list"])
    assert "第 2 版" not in listing.output


def test_run_without_a_nightly_says_so(env: Path) -> None:
    ran = runner.invoke(app, ["maintenance", "run"])
    assert ran.exit_code != 0 and "还没有夜间批处理结果" in ran.output
