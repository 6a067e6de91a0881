"""`bankcrm holidays import|list` end to end on a database of the test's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.db import migrate
from bankcrm.db.session import get_engine
from tests.kit.test_holidays import HEADER, SCHEDULE_2027_CSV

runner = CliRunner()


@pytest.fixture
def env(cli_home: Path) -> Path:
    migrate.upgrade(get_engine())
    return cli_home


def test_import_then_list_shows_the_imported_2027_schedule(env: Path) -> None:
    path = env / "2027.csv"
    path.write_text(SCHEDULE_2027_CSV, encoding="utf-8")
    imported = runner.invoke(app, ["holidays", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "2027" in imported.output and "13" in imported.output
    listing = runner.invoke(app, ["holidays", "list", "--year", "2027"])
    assert listing.exit_code == 0, listing.output
    assert "导入表" in listing.output and "2027-02-06" in listing.output
    assert "2027-10-01" in listing.output and "2027-10-07" in listing.output
    assert "未导入" not in listing.output


def test_list_of_a_missing_year_warns_and_falls_back_to_weekends(env: Path) -> None:
    listing = runner.invoke(app, ["holidays", "list", "--year", "2027"])
    assert listing.exit_code == 0, listing.output
    assert "2027 年法定节假日安排未导入" in listing.output and "周末推算" in listing.output
    assert "2027-02-06" in listing.output  # greeting days need no schedule
    library = runner.invoke(app, ["holidays", "list", "--year", "2026"])
    assert "chinesecalendar" in library.output and "2026-10-07" in library.output


def test_a_bad_file_exits_non_zero_names_the_line_and_stores_nothing(env: Path) -> None:
    good = env / "good.csv"
    good.write_text(SCHEDULE_2027_CSV, encoding="utf-8")
    assert runner.invoke(app, ["holidays", "import", str(good)]).exit_code == 0
    bad = env / "bad.csv"
    bad.write_text(
        HEADER + "2027,国庆节,holiday,2027-10-01,2027-10-03\n"
        "2027,春节,holiday,2027-02-05,2027-02-31\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["holidays", "import", str(bad)])
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "第 3 行" in result.output
    assert "last_day" in result.output
    listing = runner.invoke(app, ["holidays", "list", "--year", "2027"])
    assert "2027-02-11" in listing.output  # the earlier import is untouched
