"""The `bankcrm` commands end to end: exit codes, what they print, what they leave on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bankcrm.cli import app
from tests.factories import drop_rows, write_drop
from tests.lakecheck import fingerprint

runner = CliRunner()


@pytest.fixture
def env(cli_home: Path) -> Path:
    """A lake and a SQLite database of the test's own, named the way a user names them."""
    return cli_home


def test_ingest_lands_a_good_drop_and_lake_ls_lists_it(env: Path) -> None:
    drop = write_drop(env / "2026-10-31")
    result = runner.invoke(app, ["ingest", str(drop)])
    assert result.exit_code == 0, result.output
    assert "已落地" in result.output
    listing = runner.invoke(app, ["lake", "ls"])
    assert listing.exit_code == 0
    assert "customers" in listing.output and "2026-10-31" in listing.output


def test_rejected_drop_exits_1_with_the_problem_and_leaves_the_lake(env: Path) -> None:
    assert runner.invoke(app, ["ingest", str(write_drop(env / "good"))]).exit_code == 0
    before = fingerprint(env / "lake")
    rows = drop_rows()
    rows["balances"][0]["balance"] = "12.345"
    result = runner.invoke(app, ["ingest", str(write_drop(env / "bad", rows))])
    assert result.exit_code == 1
    assert "balances.csv" in result.output and "拒收" in result.output
    assert fingerprint(env / "lake") == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "/no/such/folder"], "批次目录不存在"),
        (["ingest", "{drop}", "--as-of", "2026-13-01"], "--as-of"),
        (["ingest", "{drop}", "--delimiter", ";"], "分隔符"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(env: Path, args: list[str], message: str) -> None:
    drop = write_drop(env / "d")
    result = runner.invoke(app, [a.replace("{drop}", str(drop)) for a in args])
    assert result.exit_code == 2
    assert message in result.output


def test_db_upgrade_creates_the_schema(env: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables = set(sa.inspect(sa.create_engine(f"sqlite:///{env / 'crm.db'}")).get_table_names())
    assert {"org_units", "staff", "products", "customers"} <= tables


def test_demo_run_builds_ingests_every_drop_and_prints_the_bands(env: Path) -> None:
    args = ["demo", "run", "--customers", "300", "--months", "2", "--daily-tail", "1"]
    result = runner.invoke(app, [*args, "--out", str(env / "demo")])
    assert result.exit_code == 0, result.output
    assert "资产分层" in result.output and "<5万" in result.output
    assert sorted(p.name for p in (env / "demo").iterdir() if p.name[0].isdigit()) == [
        "2026-10-31",
        "2026-11-01",
    ]
    listing = runner.invoke(app, ["lake", "ls"])
    assert "2026-11-01" in listing.output


def test_demo_build_writes_parquet_drops(env: Path) -> None:
    out = env / "pq"
    args = ["demo", "build", "--customers", "200", "--months", "1", "--format", "parquet"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "2026-10-31" / "customers.parquet").is_file()
    assert runner.invoke(app, ["ingest", str(out / "2026-10-31")]).exit_code == 0
