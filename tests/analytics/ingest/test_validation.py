"""One failing fixture per validation rule: the exact (file, line, column, rule) and an unchanged lake."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bankcrm.analytics.ingest import ingest_drop
from bankcrm.analytics.lake import Lake
from tests.factories import drop_rows, write_drop
from tests.lakecheck import fingerprint

Rows = dict[str, list[dict[str, str]]]


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    """A lake that already holds a valid drop for the same date (so 'unchanged' means something)."""
    lake = Lake(tmp_path / "lake")
    assert ingest_drop(write_drop(tmp_path / "good"), lake).status == "landed"
    return lake


def _set(table: str, index: int, column: str, value: str) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        rows[table][index][column] = value

    return change


def _drop_column(table: str, column: str) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        for row in rows[table]:
            del row[column]

    return change


def _duplicate_customer(rows: Rows) -> None:
    rows["customers"].append(dict(rows["customers"][1]))


CELL_CASES = {
    # name: (change, file, line, column, rule)
    "bad date": (
        _set("customers", 1, "opened_on", "2024-13-01"),
        "customers.csv",
        3,
        "opened_on",
        "bad_date",
    ),
    "impossible date": (
        _set("balances", 0, "as_of", "2026-02-30"),
        "balances.csv",
        2,
        "as_of",
        "bad_date",
    ),
    "bad decimal": (
        _set("balances", 0, "balance", "1O0.00"),
        "balances.csv",
        2,
        "balance",
        "bad_decimal",
    ),
    "3 decimals": (
        _set("balances", 1, "balance", "12.345"),
        "balances.csv",
        3,
        "balance",
        "too_many_decimals",
    ),
    "a cent fraction past the 10th decimal": (
        _set("balances", 1, "balance", "12.34000000001"),
        "balances.csv",
        3,
        "balance",
        "too_many_decimals",
    ),
    "negative balance": (
        _set("balances", 2, "balance", "-5.00"),
        "balances.csv",
        4,
        "balance",
        "negative",
    ),
    "bad ID check digit": (
        _set("customers", 0, "id_number", "330402198503121230"),
        "customers.csv",
        2,
        "id_number",
        "bad_id_check_digit",
    ),
    "unknown enum": (
        _set("accounts", 3, "asset_class", "stocks"),
        "accounts.csv",
        5,
        "asset_class",
        "unknown_enum",
    ),
    "dangling account→customer": (
        _set("accounts", 3, "customer_id", "C9"),
        "accounts.csv",
        5,
        "customer_id",
        "dangling_ref",
    ),
    "missing column": (
        _drop_column("balances", "balance"),
        "balances.csv",
        1,
        "balance",
        "missing_column",
    ),
    "missing required value": (
        _set("customers", 2, "name", " "),
        "customers.csv",
        4,
        "name",
        "missing_value",
    ),
    "future date": (
        _set("transactions", 0, "txn_date", "2026-11-01"),
        "transactions.csv",
        2,
        "txn_date",
        "future_date",
    ),
    "bad phone": (
        _set("customers", 0, "phone", "2391234567"),
        "customers.csv",
        2,
        "phone",
        "bad_phone",
    ),
    "ID birth date differs": (
        _set("customers", 0, "birth_date", "1985-03-13"),
        "customers.csv",
        2,
        "id_number",
        "id_birth_mismatch",
    ),
    "ID gender differs": (
        _set("customers", 0, "gender", "女"),
        "customers.csv",
        2,
        "id_number",
        "id_gender_mismatch",
    ),
    "bad boolean": (
        _set("products", 0, "active", "maybe"),
        "products.csv",
        2,
        "active",
        "bad_bool",
    ),
    "bad integer": (
        _set("loans", 0, "overdue_days", "3.5"),
        "loans.csv",
        2,
        "overdue_days",
        "bad_int",
    ),
}


def _problems(lake: Lake, report_run: str, as_of: str = "2026-10-31") -> list[dict[str, object]]:
    data = json.loads((lake.root / "_reports" / as_of / f"{report_run}.json").read_text("utf-8"))
    return list(data["problems"])


def _assert_rejected(
    tmp_path: Path,
    lake: Lake,
    rows: Rows,
    expected: tuple[str, int | None, str | None, str],
    **write: str,
) -> dict[str, object]:
    before = fingerprint(lake.root)
    report = ingest_drop(write_drop(tmp_path / "bad", rows, **write), lake)
    assert report.status == "rejected"
    assert fingerprint(lake.root) == before, "a rejected drop changed the lake"
    found = [(p["file"], p["line"], p["column"], p["rule"]) for p in _problems(lake, report.run_id)]
    assert expected in found, found
    return next(
        p
        for p in _problems(lake, report.run_id)
        if (p["file"], p["line"], p["column"], p["rule"]) == expected
    )


@pytest.mark.parametrize("case", list(CELL_CASES), ids=list(CELL_CASES))
def test_each_rule_reports_the_exact_cell(case: str, tmp_path: Path, lake: Lake) -> None:
    change, file, line, column, rule = CELL_CASES[case]
    rows = drop_rows()
    change(rows)
    problem = _assert_rejected(tmp_path, lake, rows, (file, line, column, rule))
    assert problem["reason"]


def test_duplicate_key_reports_both_lines(tmp_path: Path, lake: Lake) -> None:
    rows = drop_rows()
    _duplicate_customer(rows)
    first = _assert_rejected(
        tmp_path, lake, rows, ("customers.csv", 3, "customer_id", "duplicate_key")
    )
    second = _assert_rejected(
        tmp_path, lake, rows, ("customers.csv", 5, "customer_id", "duplicate_key")
    )
    assert (
        first["value"] == "C2"
        and "第 5 行" in str(first["reason"])
        and "第 3 行" in str(second["reason"])
    )


def test_wrong_encoding_declared(tmp_path: Path, lake: Lake) -> None:
    """A GB18030 file declared as UTF-8 is rejected at the first undecodable cell."""
    bad = write_drop(tmp_path / "bad", encoding="gb18030")
    (bad / "manifest.toml").write_text('as_of = "2026-10-31"\nencoding = "utf-8"\n', "utf-8")
    before = fingerprint(lake.root)
    report = ingest_drop(bad, lake)
    assert report.status == "rejected" and fingerprint(lake.root) == before
    found = {(p["file"], p["line"], p["column"], p["rule"]) for p in _problems(lake, report.run_id)}
    assert ("org_units.csv", 2, "name", "bad_encoding") in found


def test_empty_file_without_header(tmp_path: Path, lake: Lake) -> None:
    bad = write_drop(tmp_path / "bad")
    (bad / "balances.csv").write_bytes(b"")
    before = fingerprint(lake.root)
    report = ingest_drop(bad, lake)
    assert report.status == "rejected" and fingerprint(lake.root) == before
    found = [(p["file"], p["line"], p["column"], p["rule"]) for p in _problems(lake, report.run_id)]
    assert found == [("balances.csv", 1, None, "empty_file")]


@pytest.mark.parametrize(
    "table", ["org_units", "staff", "products", "customers", "accounts", "balances"]
)
def test_header_only_file_is_rejected_where_rows_are_required(
    table: str, tmp_path: Path, lake: Lake
) -> None:
    rows = drop_rows()
    rows[table] = []
    _assert_rejected(tmp_path, lake, rows, (f"{table}.csv", 2, None, "no_rows"))


@pytest.mark.parametrize("table", ["loans", "cards", "transactions"])
def test_header_only_file_is_valid_for_optional_facts(
    table: str, tmp_path: Path, lake: Lake
) -> None:
    rows = drop_rows()
    rows[table] = []
    report = ingest_drop(write_drop(tmp_path / "ok", rows), lake)
    assert report.status == "landed", report.problems
    assert report.tables[table].rows_landed == 0


def test_truncated_last_line(tmp_path: Path, lake: Lake) -> None:
    bad = write_drop(tmp_path / "bad")
    path = bad / "balances.csv"
    path.write_bytes(
        path.read_bytes().rstrip(b"\n").rsplit(b",", 1)[0]
    )  # "2026-10-01,A4" cut short
    before = fingerprint(lake.root)
    report = ingest_drop(bad, lake)
    assert report.status == "rejected" and fingerprint(lake.root) == before
    found = [(p["file"], p["line"], p["column"], p["rule"]) for p in _problems(lake, report.run_id)]
    assert found == [("balances.csv", 6, "balance", "malformed_row")]


def test_missing_file(tmp_path: Path, lake: Lake) -> None:
    bad = write_drop(tmp_path / "bad")
    (bad / "accounts.csv").unlink()
    before = fingerprint(lake.root)
    report = ingest_drop(bad, lake)
    assert report.status == "rejected" and fingerprint(lake.root) == before
    found = [(p["file"], p["rule"]) for p in _problems(lake, report.run_id)]
    assert ("accounts.csv", "missing_file") in found


def test_rows_after_a_malformed_line_keep_their_own_line_numbers(
    tmp_path: Path, lake: Lake
) -> None:
    rows = drop_rows()
    rows["balances"][3]["balance"] = "-1.00"  # line 5
    bad = write_drop(tmp_path / "bad", rows)
    lines = (bad / "balances.csv").read_text("utf-8").splitlines()
    lines[2] = "2026-10-15,A1"  # line 3 loses a field
    (bad / "balances.csv").write_text("\n".join(lines) + "\n", "utf-8")
    report = ingest_drop(bad, lake)
    found = {(p.line, p.column, p.rule) for p in report.problems}
    assert {(3, "balance", "malformed_row"), (5, "balance", "negative")} <= found


def test_unknown_columns_are_kept_and_reported_once(tmp_path: Path, lake: Lake) -> None:
    rows = drop_rows()
    for row in rows["customers"]:
        row["wechat_id"] = "wx"
    good = write_drop(tmp_path / "extra", rows)
    assert (good / "customers.csv").read_text("utf-8").splitlines()[0].endswith(",wechat_id")
    report = ingest_drop(good, lake)
    assert report.status == "landed"
    assert [p.rule for p in report.problems] == ["unknown_column"]
    assert report.tables["customers"].unknown_columns == ["wechat_id"]


def test_duplicate_header_column(tmp_path: Path, lake: Lake) -> None:
    bad = write_drop(tmp_path / "bad")
    path = bad / "cards.csv"
    lines = path.read_text("utf-8").splitlines()
    lines = [lines[0] + ",level", *(line + ",gold" for line in lines[1:])]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    before = fingerprint(lake.root)
    report = ingest_drop(bad, lake)
    assert report.status == "rejected" and fingerprint(lake.root) == before
    found = [(p.file, p.line, p.column, p.rule) for p in report.problems]
    assert found == [("cards.csv", 1, "level", "duplicate_column")]


def test_quarantine_lands_valid_rows_and_writes_rejected_ones(tmp_path: Path, lake: Lake) -> None:
    rows = drop_rows()
    rows["balances"][1]["balance"] = "12.345"
    report = ingest_drop(write_drop(tmp_path / "q", rows), lake, quarantine=True)
    assert report.status == "landed_with_rejects"
    assert (
        report.tables["balances"].rows_landed == 4 and report.tables["balances"].rows_rejected == 1
    )
    rejected = lake.report_dir(report.as_of) / f"{report.run_id}.rejected" / "balances.csv"
    text = rejected.read_text("utf-8-sig").splitlines()
    assert text[0].startswith("line,reasons,as_of,account_id,balance")
    assert text[1].startswith("3,balance：金额最多两位小数") and text[1].endswith("12.345")


def test_quarantine_of_a_duplicate_lands_the_other_rows(tmp_path: Path, lake: Lake) -> None:
    rows = drop_rows()
    _duplicate_customer(rows)  # every cell valid: only the key rule rejects rows
    report = ingest_drop(write_drop(tmp_path / "q", rows), lake, quarantine=True)
    assert report.status == "landed_with_rejects"
    assert report.tables["customers"].rows_landed == 2
    rejected = lake.report_dir(report.as_of) / f"{report.run_id}.rejected" / "customers.csv"
    lines = rejected.read_text("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["3", "5"]
    assert "主键重复" in lines[1] and ",C2," in lines[1]


def test_reference_resolves_to_an_earlier_extract_in_the_lake(tmp_path: Path, lake: Lake) -> None:
    """A next-day drop may reference a key only an earlier extract holds; a key neither holds is
    dangling, reported at its line, and the lake keeps its state."""
    rows = drop_rows()
    del rows["customers"][2]  # C3 (owner of A4) is only in the lake's 2026-10-31 extract
    report = ingest_drop(write_drop(tmp_path / "next", rows, as_of="2026-11-01"), lake)
    assert report.status == "landed", report.problems
    rows["accounts"][3]["customer_id"] = "C404"
    before = fingerprint(lake.root)
    report = ingest_drop(write_drop(tmp_path / "bad", rows, as_of="2026-11-02"), lake)
    assert report.status == "rejected" and fingerprint(lake.root) == before
    found = [(p.file, p.line, p.column, p.rule) for p in report.problems]
    assert ("accounts.csv", 5, "customer_id", "dangling_ref") in found
