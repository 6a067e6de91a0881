"""Drops in every accepted shape load to the same lake: GB18030, UTF-8 with BOM, `|`, XLSX, Parquet."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from bankcrm.analytics.ingest import ingest_drop
from bankcrm.analytics.ingest.contract import TABLES
from bankcrm.analytics.lake import Lake
from tests.factories import drop_rows, resident_id, write_drop


def _lake_rows(lake: Lake, table: str, sql: str = "*") -> list[tuple[object, ...]]:
    files = [str(f) for f in lake.files(table)]
    return duckdb.sql(f"SELECT {sql} FROM read_parquet({files}) ORDER BY 1").fetchall()


def _landed_like_utf8(tmp_path: Path, drop: Path) -> Lake:
    """Ingest `drop` and the plain UTF-8 drop into two lakes; their tables must be identical."""
    lake, ref = Lake(tmp_path / "lake"), Lake(tmp_path / "ref")
    report = ingest_drop(drop, lake)
    assert report.status == "landed", report.problems
    assert ingest_drop(write_drop(tmp_path / "ref_drop"), ref).status == "landed"
    for table in TABLES:
        if ref.files(table):
            assert _lake_rows(lake, table) == _lake_rows(ref, table), table
    return lake


def test_gb18030_csv_loads(tmp_path: Path) -> None:
    drop = write_drop(tmp_path / "gb", encoding="gb18030")
    (drop / "manifest.toml").write_text('as_of = "2026-10-31"\nencoding = "gb18030"\n', "utf-8")
    lake = _landed_like_utf8(tmp_path, drop)
    assert ("C1", "张三") in _lake_rows(lake, "customers", "customer_id, name")


def test_utf8_with_bom_loads(tmp_path: Path) -> None:
    drop = write_drop(tmp_path / "bom", encoding="utf-8-sig")
    _landed_like_utf8(tmp_path, drop)


def test_pipe_delimited_drop_loads(tmp_path: Path) -> None:
    drop = write_drop(tmp_path / "pipe", delimiter="|")
    assert "|" in (drop / "customers.csv").read_text("utf-8").splitlines()[0]
    _landed_like_utf8(tmp_path, drop)


def test_xlsx_drop_loads(tmp_path: Path) -> None:
    drop = tmp_path / "xlsx"
    drop.mkdir()
    for table, rows in drop_rows().items():
        wb = xlsxwriter.Workbook(str(drop / f"{table}.xlsx"))
        ws = wb.add_worksheet()
        columns = list(TABLES[table].column_names)
        ws.write_row(0, 0, columns)
        for i, row in enumerate(rows, start=1):
            ws.write_row(i, 0, [row[c] for c in columns])  # text cells, as core exports write
        wb.close()
    (drop / "manifest.toml").write_text('as_of = "2026-10-31"\n', "utf-8")
    _landed_like_utf8(tmp_path, drop)


def test_xlsx_reports_the_spreadsheet_line(tmp_path: Path) -> None:
    drop = write_drop(tmp_path / "x")
    (drop / "balances.csv").unlink()
    wb = xlsxwriter.Workbook(str(drop / "balances.xlsx"))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["as_of", "account_id", "balance"])
    ws.write_row(1, 0, ["2026-10-01", "A1", "10.00"])
    ws.write_row(2, 0, ["2026-10-02", "A1", "10.001"])
    wb.close()
    report = ingest_drop(drop, Lake(tmp_path / "lake"))
    assert report.status == "rejected"
    assert [(p.file, p.line, p.column, p.rule) for p in report.problems] == [
        ("balances.xlsx", 3, "balance", "too_many_decimals")
    ]


def test_parquet_drop_with_typed_columns_loads(tmp_path: Path) -> None:
    drop = write_drop(tmp_path / "pq")
    (drop / "balances.csv").unlink()
    table = pa.table(
        {
            "as_of": pa.array([date(2026, 10, d) for d in (1, 15, 1, 1, 1)], pa.date32()),
            "account_id": ["A1", "A1", "A2", "A3", "A4"],
            "balance": pa.array(
                [
                    Decimal("1000.00"),
                    Decimal("1250.50"),
                    Decimal("50000.00"),
                    Decimal("0.01"),
                    Decimal("123456789.99"),
                ],
                pa.decimal128(18, 2),
            ),
        }
    )
    pq.write_table(table, drop / "balances.parquet")
    _landed_like_utf8(tmp_path, drop)


def test_money_lands_as_decimal_never_float(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    ingest_drop(write_drop(tmp_path / "d"), lake)
    for table, spec in TABLES.items():
        for f in lake.files(table):
            schema = pq.read_schema(f)
            for col in spec.columns:
                if col.kind == "money":
                    assert schema.field(col.name).type == pa.decimal128(18, 2), (table, col.name)
            assert not any(pa.types.is_floating(t) for t in schema.types), table


def test_as_of_comes_from_the_folder_name(tmp_path: Path) -> None:
    drop = write_drop(tmp_path / "2026-10-31", as_of=None)
    report = ingest_drop(drop, Lake(tmp_path / "lake"))
    assert report.status == "landed" and report.as_of.isoformat() == "2026-10-31"


def test_unusual_spellings_land_like_the_plain_drop(tmp_path: Path) -> None:
    """Cells the guarded fast path does not take as they are ("1.000", "5e4", "+0.01", padded
    text, Chinese or upper-case enum labels, a lower-case x) go through the full pass and land
    exactly as the plain spelling does."""
    x_id = next(i for i in (resident_id(seq=f"{n:03}") for n in range(100)) if i.endswith("X"))
    plain = drop_rows()
    plain["customers"][0]["id_number"] = x_id
    odd = drop_rows()
    odd["customers"][0].update(id_number=x_id.lower(), name=" 张三")
    odd["balances"][0]["balance"] = "1000.000"
    odd["balances"][2]["balance"] = "5e4"
    odd["balances"][3]["balance"] = "+0.01"
    odd["balances"][4]["account_id"] = " A4 "
    odd["transactions"][1]["direction"] = "转出"
    odd["transactions"][0]["channel"] = "MOBILE"
    lakes = []
    for name, rows in (("plain", plain), ("odd", odd)):
        lake = Lake(tmp_path / f"lake_{name}")
        report = ingest_drop(write_drop(tmp_path / name, rows), lake)
        assert report.status == "landed", report.problems
        lakes.append(lake)
    for table in TABLES:
        assert len(lakes[0].files(table)) == len(lakes[1].files(table)), table
        if lakes[0].files(table):
            assert _lake_rows(lakes[0], table) == _lake_rows(lakes[1], table), table
    assert (x_id,) in _lake_rows(lakes[1], "customers", "id_number")
