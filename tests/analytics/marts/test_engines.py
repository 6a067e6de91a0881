"""One fixture through the Ibis marts (the nightly's five and `alert_candidates`) on DuckDB and
on Spark `local[2]`: the stored tables must be identical (DESIGN §3, STYLE: one test suite run
against every engine).

The marts are chained and materialised the way `nightly` does it (`Engine.write`, then
`Engine.read` for the next mart), and the Parquet each engine wrote is compared: column names and
types, then every row sorted by key, with exact equality (int64 fen, dates, strings, booleans).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bankcrm.alerts import rules as alert_rules
from bankcrm.analytics.backend import Engine, connect
from bankcrm.analytics.marts import alerts, aum, features, holdings, tiers
from bankcrm.analytics.nightly import MART_TABLES, MONTHLY_SCHEMA, PREVIOUS_TIER_SCHEMA
from bankcrm.config import Settings
from bankcrm.tiering.schemas import RuleSetSpec, parse_toml
from bankcrm.tiering.service import preset_toml
from tests.analytics.marts.factories import (
    account,
    balance,
    customer,
    lake_table,
    month_row,
    register,
    typed,
)

AS_OF = date(2025, 4, 30)
START = date(2025, 4, 1)
WAN = 1_000_000
KEYS = {
    "tiers": ("rule_set", "customer_id"),
    "holdings_detail": ("customer_id", "kind", "item_id"),
    "alert_candidates": ("customer_id", "rule", "event_key"),
}
# the Ibis marts (`churn_scores` is the model's numpy scoring, the same on either engine)
ENGINE_MARTS = tuple(m for m in MART_TABLES if m != "churn_scores")
PRIVATE = """
name = "private_point"
title = "私行时点"
basis = "aum_point"
effective_from = 2025-01-01
hysteresis_months = 2

[[tiers]]
name = "普通"
lower = "0"

[[tiers]]
name = "贵宾"
lower = "5万"
max_age = 70

[[tiers]]
name = "私行"
lower = "600万"

[[qualifiers]]
kind = "custody_margin"
at_least = "1万"
tier = "贵宾"

[coefficients]
fund = "0.5"
insurance = "0.3333"
"""


def rule_sets() -> list[RuleSetSpec]:
    presets = [parse_toml(preset_toml(n)) for n in ("deposit_4tier", "outlet_adoption")]
    held = parse_toml(preset_toml("maintenance_3tier")).model_copy(update={"hysteresis_months": 2})
    return [*presets, held, parse_toml(PRIVATE)]


def _txn(txn_id: str, customer_id: str, day: date, amount: str, **over: Any) -> dict[str, Any]:
    return {
        "txn_id": txn_id,
        "account_id": f"A{customer_id[1:]}1",
        "customer_id": customer_id,
        "txn_date": day,
        "amount": amount,
        "direction": "out",
        "channel": "mobile",
        "txn_type": "transfer",
    } | over


def inputs() -> dict[str, pa.Table]:
    d = date
    accounts = [
        account("A11", "C1", rate="0.350000", currency="CNY"),
        account("A12", "C1", "fund", closed_on=d(2025, 4, 15)),
        account("A13", "C1", "time", maturity_date=d(2025, 5, 10)),
        account("A21", "C2", "wealth", maturity_date=d(2025, 6, 30)),
        account("A41", "C4", "time"),
        account("A42", "C4", "insurance"),
        account("A43", "C4", "custody"),
        account("A51", "C5", opened_on=d(2025, 4, 11)),
        account("A52", "C5", "bond", closed_on=AS_OF),
        account("A61", "C6", "metal", opened_on=d(2025, 4, 5)),
        account("A71", "C7", "fund"),
        account("A81", "C8", closed_on=d(2025, 3, 20)),
        account("A91", "C9", "fund"),
        account("A92", "C9", "insurance"),
    ]
    balances = [
        balance(d(2025, 3, 28), "A11", "100.00"),
        balance(d(2025, 4, 10), "A11", "300.00"),
        balance(d(2025, 4, 21), "A11", "50.00"),
        balance(d(2025, 5, 2), "A11", "9999.00"),  # after as_of: not seen
        balance(d(2025, 3, 1), "A12", "20000.00"),
        balance(d(2025, 2, 1), "A13", "60000.00"),
        balance(d(2025, 3, 31), "A21", "70000.00"),
        balance(d(2025, 3, 31), "A41", "1000.00"),
        balance(d(2025, 4, 1), "A41", "6000000.00"),  # replaces the carry-in
        balance(d(2025, 4, 30), "A41", "6000000.15"),  # Σ lands on half a fen
        balance(d(2025, 3, 31), "A42", "1000000.01"),
        balance(d(2025, 3, 31), "A43", "20000.00"),
        balance(d(2025, 4, 11), "A51", "1234.56"),
        balance(d(2025, 4, 15), "A52", "888.88"),
        balance(d(2025, 4, 5), "A61", "55555.55"),
        balance(d(2025, 3, 31), "A71", "800000.00"),
        balance(d(2025, 3, 1), "A81", "500.00"),
        balance(d(2025, 3, 31), "A91", "12345678901.23"),  # 123亿: past 2^53 once scaled
        balance(d(2025, 4, 7), "A92", "9876543210.99"),
    ]
    customers = [
        customer("C1", e_banking=True),
        customer("C2", birth_date=d(1960, 2, 29)),
        customer("C3", birth_date=d(1955, 4, 30)),
        customer("C4", birth_date=d(1949, 5, 1)),
        customer("C5", e_banking=None),
        customer("C6", opened_on=d(2025, 4, 5), birth_date=d(2000, 12, 31)),
        customer("C7"),
        customer("C8"),
        customer("C9", birth_date=d(1990, 1, 1)),
    ]
    categories = {
        "demand": "deposit_demand",
        "time": "deposit_time",
        **{c: c for c in ("wealth", "fund", "insurance", "bond", "metal", "custody")},
    }
    products = [
        {"product_code": f"P-{c}", "name": c, "category": cat} for c, cat in categories.items()
    ]
    loans = [
        {
            "loan_id": "L1",
            "customer_id": "C3",
            "product_code": "P-loan",
            "principal": "400000.00",
            "balance": "300000.00",
            "opened_on": d(2024, 1, 1),
            "maturity_date": d(2030, 1, 1),
            "overdue_days": 0,
            "status": "normal",
        },
        {
            "loan_id": "L2",
            "customer_id": "C5",
            "product_code": "P-loan",
            "principal": "1000.00",
            "balance": "500.55",
            "opened_on": d(2024, 6, 1),
            "maturity_date": d(2026, 6, 1),
            "overdue_days": 12,
            "status": "overdue",
        },
        {
            "loan_id": "L3",
            "customer_id": "C5",
            "product_code": "P-loan",
            "principal": "9000.00",
            "balance": "0.00",
            "opened_on": d(2020, 6, 1),
            "maturity_date": d(2024, 6, 1),
            "overdue_days": 0,
            "status": "closed",
        },
    ]
    cards = [
        {"card_id": "K1", "customer_id": "C1", "card_type": "credit", "level": "platinum"},
        {"card_id": "K2", "customer_id": "C1", "card_type": "debit", "level": "gold"},
        {"card_id": "K3", "customer_id": "C2", "card_type": "debit", "level": "standard"},
        {"card_id": "K4", "customer_id": "C7", "card_type": "credit", "level": "diamond"},
        {"card_id": "K5", "customer_id": "C7", "card_type": "debit", "status": "closed"},
        {"card_id": "K6", "customer_id": "C5", "card_type": "debit", "status": "frozen"},
    ]
    cards = [c | {"status": c.get("status", "active")} for c in cards]
    transactions = [
        _txn("T1", "C1", d(2025, 4, 20), "50000.00", txn_type="repayment", memo="信用卡还款"),
        _txn(
            "T2",
            "C1",
            d(2024, 5, 1),
            "100.00",
            txn_type="repayment",
            counterparty_name="信用卡中心",
        ),
        _txn("T3", "C1", d(2024, 4, 30), "7.00", txn_type="repayment", memo="信用卡"),  # > 12m
        _txn("T4", "C1", d(2025, 4, 25), "8000.00", direction="in", txn_type="salary"),
        _txn("T5", "C1", d(2025, 4, 2), "300.00", direction="in", counterparty_bank="ICBC"),
        _txn("T6", "C1", d(2025, 4, 1), "200.00", counterparty_bank="ICBC", channel="counter"),
        _txn("T7", "C1", d(2025, 3, 31), "900.00", counterparty_bank="ICBC"),  # outside 30d
        _txn("T8", "C1", d(2025, 4, 28), "20.00", counterparty_bank="DEMO", channel="atm"),
        _txn(
            "T9", "C4", d(2025, 4, 29), "1.23", direction="in", channel="auto", txn_type="interest"
        ),
        _txn("T10", "C4", d(2025, 1, 10), "50.00", channel=None, txn_type=None),
        _txn("T11", "C5", d(2025, 5, 1), "10.00"),  # after as_of
    ]
    digital = [
        {"customer_id": "C1", "event_date": d(2025, 4, 29), "event": "login", "count": 3},
        {"customer_id": "C1", "event_date": d(2025, 3, 1), "event": "login", "count": None},
        {"customer_id": "C4", "event_date": d(2025, 4, 10), "event": "transfer", "count": None},
    ]
    return {
        "customers": lake_table("customers", customers),
        "accounts": lake_table("accounts", accounts),
        "balances": lake_table("balances", balances),
        "products": lake_table("products", products),
        "loans": lake_table("loans", loans),
        "cards": lake_table("cards", cards),
        "transactions": lake_table("transactions", transactions),
        "digital_events": lake_table("digital_events", digital),
        "history": typed(MONTHLY_SCHEMA, history()),
        "previous": typed(PREVIOUS_TIER_SCHEMA, previous()),
    }


def history() -> list[dict[str, Any]]:
    months = {
        date(2024, 4, 1): 30,  # 12 months back: outside the peak window
        date(2024, 12, 1): 31,
        date(2025, 1, 1): 31,
        date(2025, 2, 1): 28,
        date(2025, 3, 1): 31,
    }
    rows = []
    for i, (month, days) in enumerate(months.items()):
        rows += [
            month_row("C1", month, days, demand=(i + 1) * 3 * WAN + 7),
            month_row("C2", month, days, wealth=7 * WAN),
            month_row("C4", month, days, time=600 * WAN, custody=2 * WAN),
            month_row("C7", month, days, fund=(150 if i < 4 else 90) * WAN),  # 高端, falls in March
        ]
    return rows


def previous() -> list[dict[str, Any]]:
    return [
        {"customer_id": "C1", "rule_set": "deposit_4tier", "tier": "普通", "tier_rank": 0},
        {"customer_id": "C4", "rule_set": "deposit_4tier", "tier": "高端", "tier_rank": 3},
        {"customer_id": "C7", "rule_set": "maintenance_3tier", "tier": "高端", "tier_rank": 2},
        {"customer_id": "C2", "rule_set": "outlet_adoption", "tier": "员工维护", "tier_rank": 1},
        {"customer_id": "C4", "rule_set": "private_point", "tier": "私行", "tier_rank": 2},
    ]


def run_marts(engine: Engine, folder: Path) -> dict[str, pa.Table]:
    """The five marts of AS_OF, each written to `folder/<mart>` and read back for the next."""
    t = {name: register(engine, name, table) for name, table in inputs().items()}

    def save(name: str, expr: ir.Table) -> ir.Table:
        engine.write(expr.order_by(list(KEYS.get(name, ("customer_id",)))), folder / name)
        return engine.read(sorted((folder / name).glob("*.parquet")), base=folder / name)

    numbered = engine.name == "duckdb"
    keyed = aum.keyed_customers(t["customers"], integer_keys=numbered)
    spans = aum.account_spans(
        t["balances"], t["accounts"], keyed, start=START, as_of=AS_OF, integer_keys=numbered
    )
    monthly = save(
        "aum_monthly",
        aum.aum_monthly(spans, keyed, t["history"], as_of=AS_OF, start=START, year_days_before=90),
    )
    save("aum_daily", aum.aum_daily(monthly))
    held = save(
        "holdings",
        holdings.holdings(
            t["accounts"],
            t["products"],
            t["loans"],
            t["cards"],
            t["customers"],
            t["balances"],
            as_of=AS_OF,
        ),
    )
    save(
        "holdings_detail",
        holdings.holdings_detail(t["accounts"], t["loans"], t["cards"], as_of=AS_OF),
    )
    feats = save(
        "features",
        features.features(
            t["customers"],
            monthly,
            t["history"],
            held,
            t["transactions"],
            t["digital_events"],
            as_of=AS_OF,
            own_bank="DEMO",
        ),
    )
    facts = feats.select(
        "customer_id",
        "age",
        "credit_card_spend_12m_fen",
        "loan_balance_fen",
        "custody_fen",
        "card_level_rank",
    )
    prev = t["previous"]
    parts = [
        tiers.tiers(
            monthly,
            t["history"],
            facts,
            prev.filter(prev.rule_set == spec.name),
            spec=spec,
            version=1,
            as_of=AS_OF,
        )
        for spec in rule_sets()
    ]
    tiered = save("tiers", ibis.union(*parts))
    src = alerts.Sources(
        accounts=t["accounts"],
        balances=t["balances"],
        transactions=t["transactions"],
        loans=t["loans"],
        monthly=monthly,
        history=t["history"],
        features=feats,
        tiers=tiered,
    )
    rules = alert_rules.parse_toml(alert_rules.preset_toml()).enabled()
    found = alerts.alert_candidates(src, rules, as_of=AS_OF, own_bank="DEMO")
    assert found is not None
    save("alert_candidates", found)
    return {name: pq.read_table(folder / name) for name in ENGINE_MARTS}


@pytest.fixture(scope="module")
def duck_marts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pa.Table]:
    engine = connect(Settings(engine="duckdb"))
    try:
        return run_marts(engine, tmp_path_factory.mktemp("duckdb"))
    finally:
        engine.close()


def _sorted(table: pa.Table, mart: str) -> pa.Table:
    return table.sort_by([(k, "ascending") for k in KEYS.get(mart, ("customer_id",))])


def test_duckdb_marts_cover_every_customer_and_store_no_float(
    duck_marts: dict[str, pa.Table],
) -> None:
    customers = {f"C{i}" for i in range(1, 10)}
    for mart, table in duck_marts.items():
        floats = [f.name for f in table.schema if pa.types.is_floating(f.type)]
        assert not floats, f"{mart} stores floats: {floats}"
        if mart in ("holdings_detail", "alert_candidates"):  # a row per item / per event
            continue
        per_customer = len(rule_sets()) if mart == "tiers" else 1
        ids = Counter(table.column("customer_id").to_pylist())
        assert ids == dict.fromkeys(customers, per_customer), mart


@pytest.mark.slow
def test_spark_writes_the_same_marts_as_duckdb(
    duck_marts: dict[str, pa.Table], spark: Engine, tmp_path: Path
) -> None:
    # One test, not one per mart: under `pytest -n 2` a parametrised set would be split across
    # both workers, and each would start its own Spark and run the whole chain.
    spark_marts = run_marts(spark, tmp_path)
    differences = {}
    for mart in ENGINE_MARTS:
        want, got = _sorted(duck_marts[mart], mart), _sorted(spark_marts[mart], mart)
        types = [(f.name, f.type) for f in want.schema], [(f.name, f.type) for f in got.schema]
        if types[0] != types[1]:
            differences[mart] = set(types[0]) ^ set(types[1])
        elif want.to_pylist() != got.to_pylist():
            differences[mart] = [
                {k: (w[k], g[k]) for k in w if w[k] != g[k]} | {"key": w["customer_id"]}
                for w, g in zip(want.to_pylist(), got.to_pylist(), strict=True)
                if w != g
            ]
    assert not differences
