"""Run `alert_candidates` on small literal tables (DuckDB through `analytics.backend`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import ibis
import pyarrow as pa

from bankcrm.alerts.rules import RuleSpec, parse_toml, preset_toml
from bankcrm.analytics.backend import Engine
from bankcrm.analytics.marts import alerts
from bankcrm.analytics.nightly import MONTHLY_SCHEMA
from tests.analytics.marts.factories import lake_table, register, typed

OWN = "OWNBANK"
# this month's `aum_monthly` has the point AUM too (the history the nightly reads does not)
CURRENT = ibis.schema(dict(MONTHLY_SCHEMA.items()) | {"aum_fen": "int64"})
FEATURES = pa.schema(
    [("customer_id", pa.string()), ("dormancy_days", pa.int32()), ("last_active_date", pa.date32())]
)
TIERS = pa.schema(
    [
        ("customer_id", pa.string()),
        ("rule_set", pa.string()),
        ("tier", pa.string()),
        ("prev_tier", pa.string()),
        ("change", pa.string()),
        ("basis_value_fen", pa.int64()),
        ("threshold_fen", pa.int64()),
    ]
)


def rule(code: str, **over: Any) -> RuleSpec:
    found = parse_toml(preset_toml()).rule(code)
    assert found is not None
    return found.model_copy(update=over)


def month(customer_id: str, first: date, avg_fen: int, **over: Any) -> dict[str, Any]:
    return {"customer_id": customer_id, "month": first, "month_avg_fen": avg_fen} | over


def txn(txn_id: str, customer_id: str, day: date, amount: str, **over: Any) -> dict[str, Any]:
    row = {
        "txn_id": txn_id,
        "account_id": f"A-{customer_id}",
        "customer_id": customer_id,
        "txn_date": day,
        "amount": amount,
        "direction": "out",
        "channel": "mobile",
        "txn_type": "transfer",
        "counterparty_bank": "OTHERBANK",
    }
    return row | over


def loan(loan_id: str, customer_id: str, **over: Any) -> dict[str, Any]:
    row = {
        "loan_id": loan_id,
        "customer_id": customer_id,
        "product_code": "LN03",
        "principal": "100000.00",
        "balance": "50000.00",
        "opened_on": date(2024, 1, 17),
        "maturity_date": date(2027, 1, 17),
        "overdue_days": 0,
        "status": "normal",
    }
    return row | over


def run(
    duck: Engine,
    rules: Iterable[RuleSpec],
    *,
    as_of: date,
    accounts: Iterable[Mapping[str, Any]] = (),
    balances: Iterable[Mapping[str, Any]] = (),
    transactions: Iterable[Mapping[str, Any]] = (),
    loans: Iterable[Mapping[str, Any]] = (),
    monthly: Iterable[Mapping[str, Any]] = (),
    history: Iterable[Mapping[str, Any]] = (),
    features: Iterable[Mapping[str, Any]] = (),
    tiers: Iterable[Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The candidates, sorted by (customer, rule, event_key)."""
    src = alerts.Sources(
        accounts=register(duck, "accounts", lake_table("accounts", accounts)),
        balances=register(duck, "balances", lake_table("balances", balances)),
        transactions=register(duck, "transactions", lake_table("transactions", transactions)),
        loans=register(duck, "loans", lake_table("loans", loans)),
        monthly=register(duck, "monthly", typed(CURRENT, monthly)),
        history=register(duck, "history", typed(MONTHLY_SCHEMA, history)),
        features=register(duck, "features", typed(FEATURES, features)),
        tiers=None if tiers is None else register(duck, "tiers", typed(TIERS, tiers)),
    )
    expr = alerts.alert_candidates(src, tuple(rules), as_of=as_of, own_bank=OWN)
    if expr is None:
        return []
    assert expr.schema() == alerts.CANDIDATE_SCHEMA
    rows = duck.con.to_pyarrow(expr).to_pylist()
    return sorted(rows, key=lambda r: (r["customer_id"], r["rule"], r["event_key"]))


def keys(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["customer_id"], r["rule"], r["event_key"]) for r in rows]
