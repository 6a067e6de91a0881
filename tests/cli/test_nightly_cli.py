"""`bankcrm demo run` (which now ends with the nightly), `bankcrm nightly` and `tiers export`."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from fastexcel import read_excel
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.config import get_settings
from bankcrm.db.session import get_engine

runner = CliRunner()


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A tiny demo bank run the way `make demo` runs it: history backfilled, one daily drop."""
    root = tmp_path_factory.mktemp("bank")
    mp = pytest.MonkeyPatch()
    mp.setenv("BANKCRM_LAKE_PATH", str(root / "lake"))
    mp.setenv("BANKCRM_DATABASE_URL", f"sqlite:///{root / 'crm.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()  # an engine cached by an earlier test points at its own DB
    args = ["demo", "run", "--customers", "150", "--months", "2", "--seed", "5"]
    result = runner.invoke(app, [*args, "--out", str(root / "drops"), "--daily-tail", "1"])
    assert result.exit_code == 0, result.output
    yield root
    mp.undo()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_demo_run_ends_with_the_nightly_over_its_months(bank: Path) -> None:
    marts = bank / "lake" / "marts" / "tiers"
    dates = sorted(p.name for p in marts.iterdir())
    assert dates == ["as_of=2026-09-30", "as_of=2026-10-31", "as_of=2026-11-01"]
    engine = sa.create_engine(f"sqlite:///{bank / 'crm.db'}")
    with engine.connect() as conn:
        n = conn.scalar(sa.text("SELECT count(*) FROM customers"))
        tiers = conn.scalar(sa.text("SELECT count(*) FROM customer_tiers"))
        history = conn.scalar(sa.text("SELECT count(DISTINCT effective_on) FROM tier_history"))
        owned = conn.scalar(sa.text("SELECT count(*) FROM customer_owners"))
        runs = conn.execute(
            sa.text("SELECT generated_on, count(*) FROM maintenance_tasks GROUP BY generated_on")
        ).all()
        done = conn.scalar(sa.text("SELECT count(*) FROM maintenance_tasks WHERE status = 'done'"))
        contacts = conn.scalar(sa.text("SELECT count(*) FROM contacts"))
    assert n and tiers == 3 * n and history >= 1
    # owners at every date; task calendars a month before the end and at the end only, and the
    # demo's maintenance past: tasks due by the data date done with a contact behind them
    assert owned and [d for d, _ in runs] == ["2026-09-30", "2026-11-01"]
    assert done and contacts and contacts <= done


def test_nightly_as_of_prints_steps_and_the_tier_summary(bank: Path) -> None:
    result = runner.invoke(app, ["nightly", "--as-of", "2026-10-31"])
    assert result.exit_code == 0, result.output
    for words in ("夜间批处理 2026-10-31", "AUM", "分层", "发布到运营库", "潜力", "升层", "降层"):
        assert words in result.output
    assert (
        "管户（maintenance_3tier）：保持" in result.output
        and "任务日历 2026-11-01" in result.output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2026-13-01"], "YYYY-MM-DD"),
        (["--from", "2026-10-01"], "--from 和 --to"),
        (["--from", "2026-10-31", "--to", "2026-09-30"], "晚于"),
        (["--from", "2026-10-02", "--to", "2026-10-30"], "没有月末"),
        (["--as-of", "2026-10-31", "--from", "2026-09-01", "--to", "2026-09-30"], "不能同时"),
    ],
)
def test_nightly_bad_dates_exit_2_with_a_message(bank: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["nightly", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_tiers_export_writes_the_branch_list_in_each_format(bank: Path) -> None:
    out = bank / "tiers.csv"
    result = runner.invoke(
        app,
        [
            "tiers",
            "export",
            "--as-of",
            "2026-10-31",
            "--rule-set",
            "deposit_4tier",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["规则集"] for r in rows} == {"deposit_4tier"}
    assert {r["层级"] for r in rows} <= {"普通", "潜力", "优质", "高端"}
    assert all(Decimal(r["口径金额（元）"]).as_tuple().exponent == -2 for r in rows)
    for suffix in (".parquet", ".xlsx"):
        path = bank / f"tiers{suffix}"
        result = runner.invoke(
            app, ["tiers", "export", "--as-of", "2026-10-31", "--out", str(path)]
        )
        assert result.exit_code == 0, result.output
    table = pq.read_table(bank / "tiers.parquet")
    assert str(table.schema.field("basis_value").type) == "decimal128(18, 2)"
    assert set(table.column("rule_set").to_pylist()) == {
        "deposit_4tier",
        "maintenance_3tier",
        "outlet_adoption",
    }
    sheet = read_excel(bank / "tiers.xlsx").load_sheet(0)
    assert sheet.height == table.num_rows
    assert "层级" in [c.name for c in sheet.available_columns()]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.txt"], "不支持的导出格式"),
        (["--out", "x.csv", "--as-of", "2020-01-31"], "没有分层结果"),
        (["--out", "x.csv", "--rule-set", "nope"], "没有规则集 nope"),
    ],
)
def test_tiers_export_refuses_clearly(bank: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["tiers", "export", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_nightly_on_an_empty_lake_says_what_to_do_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANKCRM_LAKE_PATH", str(tmp_path / "lake"))
    monkeypatch.setenv("BANKCRM_DATABASE_URL", f"sqlite:///{tmp_path / 'crm.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        result = runner.invoke(app, ["nightly"])
        assert result.exit_code == 2
        assert "bankcrm ingest" in result.output
        result = runner.invoke(app, ["nightly", "--as-of", "2026-10-31"])
        assert result.exit_code == 1
        assert "bankcrm db upgrade" in result.output
        assert not (tmp_path / "lake" / "marts").exists()
    finally:
        get_settings.cache_clear()
        get_engine.cache_clear()
