"""Each alert rule on a hand-worked fixture: it fires on the threshold (thresholds are inclusive,
as the issue writes them: "≥ 5万", "within 7 days"), not one fen or one day short of it, and the
event key names the event so a re-run gives the same key. Amounts in fen: 1万 = 1,000,000."""

from __future__ import annotations

from datetime import date, timedelta

from bankcrm.alerts.rules import TierFilter
from bankcrm.analytics.backend import Engine
from tests.alerts.marts import OWN, keys, loan, month, rule, run, txn
from tests.analytics.marts.factories import account, balance

D = date(2026, 3, 10)  # a Tuesday in mid-month
WAN = 1_000_000


def test_maturity_within_lead_days_of_the_chosen_classes(duck: Engine) -> None:
    accounts = [
        account("T7", "C1", "time", maturity_date=D + timedelta(7)),  # day 7: fires
        account("T8", "C2", "time", maturity_date=D + timedelta(8)),  # day 8: no
        account("W0", "C3", "wealth", maturity_date=D),  # today: fires, 0 days
        account("F1", "C4", "fund", maturity_date=D + timedelta(3)),  # not a listed class
        account("TC", "C5", "time", maturity_date=D + timedelta(3), closed_on=D),  # closed
        account("TP", "C6", "time", maturity_date=D - timedelta(1)),  # matured yesterday
    ]
    balances = [balance(date(2026, 1, 5), "T7", "80000.00"), balance(D, "T7", "100000.00")]
    rows = run(duck, [rule("maturity_7d")], as_of=D, accounts=accounts, balances=balances)
    assert keys(rows) == [
        ("C1", "maturity_7d", "T7:2026-03-17"),
        ("C3", "maturity_7d", "W0:2026-03-10"),
    ]
    c1, c3 = rows
    assert (c1["amount_fen"], c1["days"], c1["due_date"], c1["severity"]) == (
        10 * WAN,
        7,
        date(2026, 3, 17),
        "high",
    )
    assert (c3["amount_fen"], c3["days"]) == (None, 0)  # no balance row: no amount


def test_large_outflow_single_transfer_or_share_of_the_month_average(duck: Engine) -> None:
    txns = [
        txn("X1", "C1", D, "50000.00"),  # single ≥ 5万
        txn("X2", "C2", D, "49999.99"),  # a fen short, and 2.5% of 200万
        txn("X3", "C3", D, "20000.00"),
        txn("X4", "C3", D, "10000.00"),  # 3万 = 30% of 10万 exactly
        txn("X5", "C4", D, "29999.99"),  # a fen short of 30%
        txn("X6", "C5", D, "90000.00", counterparty_bank=OWN),  # internal
        txn("X7", "C6", D - timedelta(7), "90000.00"),  # outside the 7-day lookback
        txn("X8", "C7", D - timedelta(6), "90000.00"),  # inside
        txn("X9", "C8", D, "90000.00", direction="in"),  # an inflow
        txn("XA", "C9", D, "15000.00"),  # 30% of 5万 - 1 fen: under min_aum (5万)
        txn("XB", "CA", D, "15000.00"),  # 30% of exactly 5万
    ]
    monthly = [
        month("C2", D.replace(day=1), 200 * WAN),
        month("C3", D.replace(day=1), 10 * WAN),
        month("C4", D.replace(day=1), 10 * WAN),
        month("C9", D.replace(day=1), 5 * WAN - 1),
        month("CA", D.replace(day=1), 5 * WAN),
    ]
    rows = run(duck, [rule("large_outflow")], as_of=D, transactions=txns, monthly=monthly)
    assert keys(rows) == [
        ("C1", "large_outflow", "2026-03-10"),
        ("C3", "large_outflow", "2026-03-10"),
        ("C7", "large_outflow", "2026-03-04"),
        ("CA", "large_outflow", "2026-03-10"),
    ]
    c3 = rows[1]
    assert (c3["amount_fen"], c3["reference_fen"], c3["ratio_bp"], c3["item_id"]) == (
        3 * WAN,
        10 * WAN,
        3000,
        "X3",
    )
    assert rows[0]["reference_fen"] is None and rows[0]["ratio_bp"] is None


def test_large_inflow_from_another_bank(duck: Engine) -> None:
    txns = [
        txn("I1", "C1", D, "50000.00", direction="in", counterparty_bank="ICBC"),
        txn("I2", "C2", D, "49999.99", direction="in"),
        txn("I3", "C3", D, "80000.00", direction="in", counterparty_bank=""),
    ]
    rows = run(duck, [rule("large_inflow")], as_of=D, transactions=txns)
    assert keys(rows) == [("C1", "large_inflow", "I1")]
    assert (rows[0]["amount_fen"], rows[0]["detail"], rows[0]["ref_date"]) == (5 * WAN, "ICBC", D)


def test_aum_drop_compares_the_last_complete_months(duck: Engine) -> None:
    jan, feb, mar = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
    history = [
        month("C1", jan, 100 * WAN),
        month("C1", feb, 80 * WAN),  # exactly 20% down
        month("C2", jan, 100 * WAN),
        month("C2", feb, 80 * WAN + 1),  # a fen less than 20%
        month("C3", feb, 50 * WAN),  # no January
    ]
    monthly = [month("C2", mar, 1 * WAN)]  # mid-month: March is not complete yet
    every_tier = rule("aum_drop", tiers=())  # the threshold alone (the preset: maintained tiers)
    rows = run(duck, [every_tier], as_of=D, history=history, monthly=monthly)
    assert keys(rows) == [("C1", "aum_drop", "2026-02")]
    assert (rows[0]["amount_fen"], rows[0]["reference_fen"], rows[0]["ratio_bp"]) == (
        80 * WAN,
        100 * WAN,
        2000,
    )
    # on the month end March itself is complete: C2 fell from Feb to Mar
    rows = run(duck, [every_tier], as_of=date(2026, 3, 31), history=history, monthly=monthly)
    assert keys(rows) == [("C2", "aum_drop", "2026-03")]
    # the preset warns of drops in the maintained tiers only: not for a 大众 customer
    tiers = [
        {"customer_id": c, "rule_set": "maintenance_3tier", "tier": t, "prev_tier": t}
        | {"change": "same", "basis_value_fen": 0, "threshold_fen": 0}
        for c, t in (("C1", "大众"), ("C2", "中端"))
    ]
    rows = run(duck, [rule("aum_drop")], as_of=date(2026, 3, 31), history=history, monthly=monthly)
    assert rows == []  # the rule names tiers, and the date has none
    rows = run(
        duck, [rule("aum_drop")], as_of=date(2026, 3, 31), history=history, monthly=monthly,
        tiers=tiers,
    )  # fmt: skip
    assert keys(rows) == [("C2", "aum_drop", "2026-03")]
    rows = run(duck, [rule("aum_drop")], as_of=D, history=history, monthly=monthly, tiers=tiers)
    assert rows == []  # C1 fell 20% in February but is 大众


def test_dormancy_of_customers_with_assets(duck: Engine) -> None:
    last = D - timedelta(180)
    features = [
        {"customer_id": "C1", "dormancy_days": 180, "last_active_date": last},
        {"customer_id": "C2", "dormancy_days": 179, "last_active_date": last + timedelta(1)},
        {"customer_id": "C3", "dormancy_days": 400, "last_active_date": None},
        {"customer_id": "C4", "dormancy_days": 400, "last_active_date": None},
    ]
    monthly = [
        month("C1", D.replace(day=1), 0, aum_fen=1 * WAN),  # exactly 1万
        month("C2", D.replace(day=1), 0, aum_fen=5 * WAN),
        month("C3", D.replace(day=1), 0, aum_fen=3 * WAN),
        month("C4", D.replace(day=1), 0, aum_fen=1 * WAN - 1),  # under 1万
    ]
    rows = run(duck, [rule("dormancy")], as_of=D, features=features, monthly=monthly)
    assert keys(rows) == [
        ("C1", "dormancy", f"since:{last.isoformat()}"),
        ("C3", "dormancy", "opened"),
    ]
    assert (rows[0]["days"], rows[0]["amount_fen"]) == (180, 1 * WAN)


def test_tier_drop_and_a_rule_limited_to_tiers(duck: Engine) -> None:
    base = {"rule_set": "maintenance_3tier", "basis_value_fen": 90 * WAN, "threshold_fen": 0}
    tiers = [
        base | {"customer_id": "C1", "tier": "中端", "prev_tier": "高端", "change": "down"},
        base | {"customer_id": "C2", "tier": "中端", "prev_tier": "中端", "change": "same"},
        base | {"customer_id": "C3", "tier": "大众", "prev_tier": "中端", "change": "down"},
    ]
    rows = run(duck, [rule("tier_drop")], as_of=D, tiers=tiers)
    assert keys(rows) == [
        ("C1", "tier_drop", "maintenance_3tier:2026-03-10"),
        ("C3", "tier_drop", "maintenance_3tier:2026-03-10"),
    ]
    assert rows[0]["detail"] == "高端→中端"
    only = rule("tier_drop", tiers=(TierFilter(rule_set="maintenance_3tier", tiers=("中端",)),))
    assert keys(run(duck, [only], as_of=D, tiers=tiers)) == [keys(rows)[0]]
    # a rule limited to tiers fires for nobody when the date has no tiers
    assert run(duck, [only], as_of=D, tiers=None) == []


def test_loan_overdue_keyed_by_the_start_of_the_overdue_spell(duck: Engine) -> None:
    loans = [
        loan("L1", "C1", overdue_days=1, overdue_amount="1200.50", status="overdue"),
        loan("L2", "C2", overdue_days=5, status="overdue"),
        loan("L3", "C3"),  # paid up
        loan("L4", "C4", overdue_days=3, status="closed"),
    ]
    rows = run(duck, [rule("loan_overdue")], as_of=D, loans=loans)
    assert keys(rows) == [
        ("C1", "loan_overdue", "L1:2026-03-10"),
        ("C2", "loan_overdue", "L2:2026-03-06"),
    ]
    assert (rows[0]["amount_fen"], rows[0]["reference_fen"], rows[0]["days"]) == (
        120050,
        5 * WAN,
        1,
    )
    # the next night the same spell has the same key
    later = [loan("L2", "C2", overdue_days=6, status="overdue")]
    again = run(duck, [rule("loan_overdue")], as_of=D + timedelta(1), loans=later)
    assert keys(again) == [("C2", "loan_overdue", "L2:2026-03-06")]


def test_repayment_due_on_the_instalment_day_of_the_maturity_date(duck: Engine) -> None:
    loans = [
        loan("L1", "C1", maturity_date=date(2027, 1, 17)),  # 03-17: 7 days
        loan("L2", "C2", maturity_date=date(2027, 1, 18)),  # 03-18: 8 days
        loan("L3", "C3", maturity_date=date(2027, 1, 5)),  # passed: 04-05
        loan("L4", "C4", maturity_date=date(2026, 3, 12)),  # the last instalment
        loan("L5", "C5", balance="0.00"),  # repaid
    ]
    rows = run(duck, [rule("repayment_due")], as_of=D, loans=loans)
    assert keys(rows) == [
        ("C1", "repayment_due", "L1:2026-03-17"),
        ("C4", "repayment_due", "L4:2026-03-12"),
    ]
    assert (rows[0]["due_date"], rows[0]["days"]) == (date(2026, 3, 17), 7)
    # a due day past the month's end falls on its last day
    end = [loan("L6", "C6", maturity_date=date(2027, 1, 31))]
    rows = run(duck, [rule("repayment_due")], as_of=date(2026, 2, 25), loans=end)
    assert keys(rows) == [("C6", "repayment_due", "L6:2026-02-28")]


def test_drawdown_against_the_first_recorded_market_value(duck: Engine) -> None:
    first = date(2025, 6, 1)
    accounts = [account(a, f"C{a[1]}", "fund") for a in ("F1", "F2", "F3", "F4")]
    accounts.append(account("D5", "C5", "demand"))
    balances = [balance(first, a["account_id"], "10000.00") for a in accounts]
    balances += [
        balance(D, "F1", "9000.00"),  # -10%: stop-loss
        balance(D, "F2", "9000.01"),
        balance(D, "F3", "12000.00"),  # +20%: take-profit
        balance(D, "F4", "11999.99"),
        balance(D, "D5", "5000.00"),  # not a fund
        balance(D + timedelta(1), "F2", "1.00"),  # after as_of
    ]
    rows = run(duck, [rule("drawdown")], as_of=D, accounts=accounts, balances=balances)
    assert keys(rows) == [
        ("C1", "drawdown", "F1:stop_loss"),
        ("C3", "drawdown", "F3:take_profit"),
    ]
    assert [(r["amount_fen"], r["reference_fen"], r["ratio_bp"]) for r in rows] == [
        (900_000, 1_000_000, 1000),
        (1_200_000, 1_000_000, 2000),
    ]


def test_disabled_rules_fire_nothing_and_rerunning_gives_the_same_rows(duck: Engine) -> None:
    txns = [txn("X1", "C1", D, "60000.00")]
    assert run(duck, [rule("large_outflow", enabled=False)], as_of=D, transactions=txns) == []
    once = run(duck, [rule("large_outflow"), rule("large_inflow")], as_of=D, transactions=txns)
    assert once == run(
        duck, [rule("large_outflow"), rule("large_inflow")], as_of=D, transactions=txns
    )
