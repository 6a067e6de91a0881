"""`bankcrm tiers export`: the list a branch asks for — one row per customer and rule set.

Columns: customer_id, rule_set, tier (the rule set's own name, e.g. 潜力), basis, basis_value,
aum_point, aum_month_avg (exact yuan, 2 decimals), reason. Read from the nightly marts of a date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from bankcrm.analytics.ingest.rules import lit, parquet_source
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.nightly import mart_dates, mart_files
from bankcrm.errors import InvalidInput, NotFound

FORMATS = (".csv", ".parquet", ".xlsx")
XLSX_LIMIT = 1_048_575  # rows of one worksheet, less the header
HEADERS_ZH = {
    "customer_id": "客户号",
    "rule_set": "规则集",
    "tier": "层级",
    "basis": "分层口径",
    "basis_value": "口径金额（元）",
    "aum_point": "AUM时点（元）",
    "aum_month_avg": "AUM月日均（元）",
    "reason": "分层原因",
}


def tier_list(lake: Lake, as_of: date | None = None, rule_set: str | None = None) -> pa.Table:
    dates = mart_dates(lake, "tiers")
    if not dates:
        raise NotFound("还没有分层结果：请先运行 bankcrm nightly")
    on = as_of or dates[-1]
    if on not in dates:
        shown = "、".join(d.isoformat() for d in dates[-5:])
        raise NotFound(f"{on} 没有分层结果（最近的日期：{shown}）")
    tiers = parquet_source(mart_files(lake, "tiers", on))
    monthly = parquet_source(mart_files(lake, "aum_monthly", on))
    where = f"WHERE t.rule_set = {lit(rule_set)}" if rule_set else ""
    sql = f"""
        SELECT t.customer_id, t.rule_set, t.tier, t.basis,
               CAST(t.basis_value_fen AS DECIMAL(18,0)) * 0.01 AS basis_value,
               CAST(m.aum_fen AS DECIMAL(18,0)) * 0.01 AS aum_point,
               CAST(m.month_avg_fen AS DECIMAL(18,0)) * 0.01 AS aum_month_avg,
               t.reason
        FROM {tiers} t JOIN {monthly} m USING (customer_id)
        {where}
        ORDER BY t.rule_set, t.customer_id
    """
    rel = duckdb.connect().sql(sql)
    assert rel is not None  # a SELECT always yields a relation
    out: pa.Table = rel.to_arrow_table()
    if rule_set and out.num_rows == 0:
        raise NotFound(f"{on} 没有规则集 {rule_set} 的分层结果")
    return _money_as_decimal(out)


def write(table: pa.Table, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(
            f"不支持的导出格式 {out.suffix or '（无扩展名）'}：可选 .csv / .parquet / .xlsx",
            loc=("out",),
        )
    if suffix == ".parquet":
        pq.write_table(table, out, compression="zstd")
    elif suffix == ".csv":
        _csv(table, out)
    else:
        _xlsx(table, out)


def _money_as_decimal(t: pa.Table) -> pa.Table:
    money = pa.decimal128(18, 2)
    for name in ("basis_value", "aum_point", "aum_month_avg"):
        i = t.schema.get_field_index(name)
        t = t.set_column(i, name, t[name].cast(money))
    return t


def _csv(table: pa.Table, out: Path) -> None:
    """UTF-8 with BOM so Excel opens the Chinese columns right; amounts as plain 2-decimal text."""
    import csv

    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([HEADERS_ZH[c] for c in table.column_names])
        for batch in table.to_batches(50_000):
            cols = [c.to_pylist() for c in batch.columns]
            writer.writerows(zip(*cols, strict=True))


def _xlsx(table: pa.Table, out: Path) -> None:
    import xlsxwriter

    if table.num_rows > XLSX_LIMIT:
        raise InvalidInput(
            f"{table.num_rows:,} 行超过 Excel 单表上限：请按 --rule-set 分别导出或改用 .csv/.parquet",
            loc=("out",),
        )
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = book.add_worksheet("分层名单")
    head = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    names = table.column_names
    for j, c in enumerate(names):
        sheet.write(0, j, HEADERS_ZH[c], head)
    is_money = [c in ("basis_value", "aum_point", "aum_month_avg") for c in names]
    row = 1
    for batch in table.to_batches(50_000):
        cols = [c.to_pylist() for c in batch.columns]
        for values in zip(*cols, strict=True):
            for j, v in enumerate(values):
                if is_money[j]:
                    # Excel holds numbers as doubles; 2-decimal yuan below 2^53 fen stay exact
                    sheet.write_number(row, j, float(v), money)
                else:
                    sheet.write(row, j, v)
            row += 1
    sheet.freeze_panes(1, 0)
    book.close()
