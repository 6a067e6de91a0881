"""Plain factories for the marts' inputs: pyarrow tables typed exactly as the lake holds them
(`ingest.contract` kinds → `ingest.rules.LAKE_TYPES`), rows as dicts with keyword overrides, and
the two steps every mart test repeats: register a table with an engine, read a result back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from bankcrm.analytics.backend import Engine
from bankcrm.analytics.ingest.contract import ASSET_CLASSES, TABLES, Kind
from bankcrm.analytics.marts import aum
from bankcrm.analytics.nightly import MONTHLY_SCHEMA

ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.KEY: pa.string(),
    Kind.TEXT: pa.string(),
    Kind.ENUM: pa.string(),
    Kind.DATE: pa.date32(),
    Kind.MONEY: pa.decimal128(18, 2),
    Kind.RATE: pa.decimal128(12, 6),
    Kind.INT: pa.int32(),
    Kind.BOOL: pa.bool_(),
}
OPENED = date(2020, 1, 1)
FACTS_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("age", pa.int32()),
        ("credit_card_spend_12m_fen", pa.int64()),
        ("loan_balance_fen", pa.int64()),
        ("custody_fen", pa.int64()),
        ("card_level_rank", pa.int8()),
    ]
)


def lake_table(name: str, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """`rows` as the lake's `name` table: every contract column, missing cells null, money
    written as text ("123.45") and held as DECIMAL(18,2)."""
    columns = TABLES[name].columns
    rows = list(rows)
    unknown = {k for r in rows for k in r} - {c.name for c in columns}
    assert not unknown, f"{name} has no column {sorted(unknown)}"
    schema = pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in columns])
    data = {c.name: [_cell(r.get(c.name), c.kind) for r in rows] for c in columns}
    return pa.table(data, schema=schema)


def _cell(value: Any, kind: Kind) -> Any:
    if value is not None and kind in (Kind.MONEY, Kind.RATE):
        return Decimal(value)
    return value


def typed(schema: pa.Schema | ibis.Schema, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Rows under a mart's schema (history, previous tiers, facts); missing cells null."""
    if isinstance(schema, ibis.Schema):
        schema = schema.to_pyarrow()
    rows = list(rows)
    return pa.table({n: [r.get(n) for r in rows] for n in schema.names}, schema=schema)


def customer(customer_id: str, **over: Any) -> dict[str, Any]:
    row = {
        "customer_id": customer_id,
        "name": f"客户{customer_id}",
        "id_type": "resident_id",
        "id_number": "330402198503121234",
        "birth_date": date(1985, 3, 12),
        "home_org_id": "OU1",
        "opened_on": OPENED,
        "e_banking": False,
    }
    return row | over


def account(
    account_id: str, customer_id: str, asset_class: str = "demand", **over: Any
) -> dict[str, Any]:
    row = {
        "account_id": account_id,
        "customer_id": customer_id,
        "product_code": f"P-{asset_class}",
        "asset_class": asset_class,
        "opened_on": OPENED,
        "maturity_date": None,
        "closed_on": None,
    }
    return row | over


def balance(as_of: date, account_id: str, amount: str) -> dict[str, Any]:
    return {"as_of": as_of, "account_id": account_id, "balance": amount}


def register(engine: Engine, name: str, table: pa.Table) -> ir.Table:
    """`table` as a named table of the engine. On Spark a temporary view made straight from Arrow:
    `ibis.memtable` goes through pandas and cannot hold a null DECIMAL (accounts.rate)."""
    if engine.name == "spark":
        engine.session.createDataFrame(table).createOrReplaceTempView(name)
        return engine.con.table(name)
    return engine.con.create_table(name, table, overwrite=True)


def by_key(engine: Engine, expr: ir.Table, key: str = "customer_id") -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in engine.con.to_pyarrow(expr).to_pylist()}


def aum_monthly(
    engine: Engine,
    *,
    customers: list[dict[str, Any]],
    accounts: list[dict[str, Any]],
    balances: list[dict[str, Any]],
    as_of: date,
    history: Iterable[Mapping[str, Any]] = (),
    year_days_before: int = 0,
) -> ir.Table:
    """`aum_monthly` of `as_of`'s month over these rows, chained the way `nightly` chains it."""
    start = as_of.replace(day=1)
    numbered = engine.name == "duckdb"
    keyed = aum.keyed_customers(
        register(engine, "customers", lake_table("customers", customers)), integer_keys=numbered
    )
    spans = aum.account_spans(
        register(engine, "balances", lake_table("balances", balances)),
        register(engine, "accounts", lake_table("accounts", accounts)),
        keyed,
        start=start,
        as_of=as_of,
        integer_keys=numbered,
    )
    past = register(engine, "history", typed(MONTHLY_SCHEMA, history))
    return aum.aum_monthly(
        spans, keyed, past, as_of=as_of, start=start, year_days_before=year_days_before
    )


def month_row(customer_id: str, month: date, days: int, **avg_fen: int) -> dict[str, Any]:
    """An `aum_monthly` row whose class month-averages are exactly `avg_fen` (e.g. demand=…):
    Σ = average × days, the point balance equals the average."""
    row: dict[str, Any] = {"customer_id": customer_id, "month": month, "days": days}
    for c in ASSET_CLASSES:
        row[f"{c}_fen"] = avg_fen.get(c, 0)
        row[f"{c}_sum"] = avg_fen.get(c, 0) * days
    row["aum_sum"] = sum(row[f"{c}_sum"] for c in ASSET_CLASSES)
    row["month_avg_fen"] = sum(avg_fen.values())
    row["deposit_month_avg_fen"] = avg_fen.get("demand", 0) + avg_fen.get("time", 0)
    return row
