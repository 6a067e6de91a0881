"""Drop folders: raw chunk tables → contract columns (DuckDB SQL) → one CSV or Parquet per table.

Each table of each drop is one file, appended chunk by chunk through a streaming writer, so memory
holds one chunk at a time. CSV: UTF-8 without BOM, `,`, a header of the contract's column names,
no quoting (the generator never emits `,`, quotes or newlines; pyarrow refuses them otherwise),
empty for missing. Parquet: the lake types (DATE, DECIMAL(18,2), INT32, BOOLEAN, VARCHAR), zstd.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bankcrm.analytics.ingest.contract import TABLE_ORDER
from bankcrm.demo import columns as col
from bankcrm.demo.assemble import CODES, Chunk
from bankcrm.demo.liabilities import loan_state
from bankcrm.demo.timeline import NEVER, date_of, day_of

C_ID = "'C' || lpad((gid + 1)::VARCHAR, 9, '0')"
A_ID = "'A' || lpad(key::VARCHAR, 13, '0')"
# {a}: the drop's as_of, {lo}: its first day of events (history start, or as_of in the tail).
SQL = {
    "customers": f"""SELECT {C_ID} AS customer_id, name, id_type, id_number, birth AS birth_date,
        home_org AS home_org_id, opened AS opened_on, gender, phone::VARCHAR AS phone, home_phone,
        address, employer, occupation, marital AS marital_status, risk AS risk_level,
        risk_on AS risk_assessed_on,
        CASE WHEN closed <= {{a}} THEN 'closed' ELSE 'active' END AS status,
        CASE WHEN closed <= {{a}} THEN closed END AS closed_on, e_banking
        FROM raw WHERE opened <= {{a}}""",
    "accounts": f"""SELECT {A_ID} AS account_id, {C_ID} AS customer_id, product AS product_code,
        asset_class, opened AS opened_on, maturity AS maturity_date,
        CASE WHEN closed <= {{a}} THEN closed END AS closed_on, rate, 'CNY' AS currency
        FROM raw WHERE opened <= {{a}}""",
    "balances": f"""SELECT day AS as_of, {A_ID} AS account_id, value AS balance
        FROM raw WHERE day BETWEEN {{lo}} AND {{a}}""",
    "transactions": f"""SELECT 'T' || lpad(key::VARCHAR, 15, '0') AS txn_id,
        'A' || lpad(acct::VARCHAR, 13, '0') AS account_id, {C_ID} AS customer_id,
        day AS txn_date, amount, direction, channel, ttype AS txn_type,
        cp_name AS counterparty_name, cp_acct::VARCHAR AS counterparty_account,
        cp_bank AS counterparty_bank, memo
        FROM raw WHERE day BETWEEN {{lo}} AND {{a}}""",
    "loans": f"""SELECT 'L' || lpad(key::VARCHAR, 12, '0') AS loan_id, {C_ID} AS customer_id,
        product AS product_code, principal, balance, opened AS opened_on,
        maturity AS maturity_date, overdue_days, overdue_amount, status
        FROM raw WHERE opened <= {{a}}""",
    "cards": f"""SELECT number AS card_id, {C_ID} AS customer_id, card_type, level,
        opened AS opened_on, "limit" AS credit_limit,
        CASE WHEN cust_closed <= {{a}} THEN 'closed' ELSE status END AS status
        FROM raw WHERE opened <= {{a}}""",
    "digital_events": f"""SELECT {C_ID} AS customer_id, day AS event_date, event, count
        FROM raw WHERE day BETWEEN {{lo}} AND {{a}}""",
}


@dataclass(frozen=True)
class Drop:
    as_of: date
    first: date  # first day of balances/transactions in this drop
    tmp: Path
    final: Path


class _Csv:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.sink = pa.OSFile(str(path), "wb")
        self.sink.write((",".join(schema.names) + "\n").encode("utf-8"))
        opts = pacsv.WriteOptions(include_header=False, quoting_style="none")
        self.writer = pacsv.CSVWriter(self.sink, schema, write_options=opts)

    def write(self, t: pa.Table) -> None:
        self.writer.write_table(t)

    def close(self) -> None:
        self.writer.close()
        self.sink.close()


class _Parquet:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.writer = pq.ParquetWriter(str(path), schema, compression="zstd")

    def write(self, t: pa.Table) -> None:
        self.writer.write_table(t)

    def close(self) -> None:
        self.writer.close()


class DropWriter:
    """All files of the drops of one build; used from a single (writer) thread."""

    def __init__(self, drops: list[Drop], fmt: str, threads: int = 2) -> None:
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"unknown format {fmt!r} (csv or parquet)")
        self.drops = drops
        self.rows = dict.fromkeys(TABLE_ORDER, 0)
        self.con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": True})
        self.files: dict[tuple[int, str], _Csv | _Parquet] = {}
        for i, d in enumerate(drops):
            if d.tmp.exists():
                shutil.rmtree(d.tmp)
            d.tmp.mkdir(parents=True)
            for t in TABLE_ORDER:
                kind = _Csv if fmt == "csv" else _Parquet
                self.files[(i, t)] = kind(d.tmp / f"{t}.{fmt}", col.schema(t))

    def _put(self, i: int, table: str, t: pa.Table) -> None:
        t = t.cast(col.schema(table))  # names, order and lake types, exactly as the contract says
        self.files[(i, table)].write(t)
        self.rows[table] += t.num_rows

    def _format(self, table: str, raw: pa.Table, d: Drop) -> pa.Table:
        sql = SQL[table].format(a=_lit(d.as_of), lo=_lit(d.first))
        self.con.register("raw", raw)
        try:
            return self.con.sql(sql).to_arrow_table()
        finally:
            self.con.unregister("raw")

    def write_static(self, tables: dict[str, pa.Table]) -> None:
        for i in range(len(self.drops)):
            for name, t in tables.items():
                self._put(i, name, t)

    def write_chunk(self, c: Chunk) -> None:
        raws = {
            "customers": c.customers,
            "accounts": c.accounts,
            "balances": c.balances,
            "transactions": c.transactions,
            "cards": c.cards,
            "digital_events": c.digital,
        }
        for i, d in enumerate(self.drops):
            for name, raw in raws.items():
                self._put(i, name, self._format(name, raw, d))
            self._put(i, "loans", self._format("loans", loans_raw(c, d.as_of), d))

    def close(self) -> None:
        for f in self.files.values():
            f.close()
        self.con.close()


def loans_raw(c: Chunk, as_of: date) -> pa.Table:
    ln = c.loans
    s = loan_state(ln, day_of(as_of))
    maturity = ln.maturity()
    return pa.table(
        {
            "key": (c.loan_gid + 1) * 100 + ln.seq,
            "gid": c.loan_gid,
            "product": col.coded(ln.product, CODES),
            "principal": col.money(ln.principal),
            "balance": col.money(s["balance"]),
            "opened": col.dates(ln.opened),
            "maturity": col.dates(np.minimum(maturity, NEVER - 1)),
            "overdue_days": col.ints(s["overdue_days"]),
            "overdue_amount": col.money(s["overdue_amount"]),
            "status": col.coded(s["status"], ("normal", "overdue", "closed")),
        }
    )


def _lit(d: date) -> str:
    return f"DATE '{d.isoformat()}'"


def manifest(d: Drop, seed: int, customers: int, months: int) -> str:
    return (
        f'as_of = "{d.as_of.isoformat()}"\n'
        'encoding = "utf-8"\n'
        'delimiter = ","\n'
        "\n[generator]\n"
        f"seed = {seed}\n"
        f"customers = {customers}\n"
        f"months = {months}\n"
    )


def publish(drops: list[Drop]) -> None:
    """Swap each finished temp folder into place (an existing drop is replaced whole)."""
    for d in drops:
        old = d.final.with_name(f".{d.final.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if d.final.exists():
            d.final.rename(old)
        d.tmp.rename(d.final)
        if old.exists():
            shutil.rmtree(old)


def drop_list(out: Path, end_day: int, start_day: int, tail: int) -> list[Drop]:
    days = [(end_day, start_day)] + [(end_day + k, end_day + k) for k in range(1, tail + 1)]
    return [
        Drop(date_of(a), date_of(lo), out / f".{date_of(a).isoformat()}.tmp",
             out / date_of(a).isoformat())
        for a, lo in days
    ]  # fmt: skip
