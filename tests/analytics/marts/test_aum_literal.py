"""aum_daily / aum_monthly on small hand-worked cases (DESIGN §5.1–5.2, STYLE 11).

Every expected number is worked out in the comment above it: fen per day × days held, Σ over
the month, then ÷ days rounded half up to the fen. Balances are DECIMAL(18,2) yuan as the lake
holds them; results are integer fen.
"""

from __future__ import annotations

from datetime import date

import pytest

from bankcrm.analytics.backend import Engine
from bankcrm.analytics.ingest.contract import ASSET_CLASSES
from bankcrm.analytics.marts import tiers
from bankcrm.tiering.schemas import parse_toml
from tests.analytics.marts.factories import (
    account,
    aum_monthly,
    balance,
    by_key,
    customer,
    month_row,
)

APR = date(2025, 4, 30)


def test_balance_carries_forward_over_missing_days_including_the_carry_in(duck: Engine) -> None:
    rows = [
        balance(date(2025, 3, 15), "A1", "999.00"),  # superseded by 03-28 before April starts
        balance(date(2025, 3, 28), "A1", "100.00"),
        balance(date(2025, 4, 10), "A1", "300.00"),
        balance(date(2025, 4, 21), "A1", "50.00"),
    ]
    m = by_key(
        duck,
        aum_monthly(
            duck,
            customers=[customer("C1")],
            accounts=[account("A1", "C1")],
            balances=rows,
            as_of=APR,
        ),
    )
    # Apr 1–9 carry-in 10000 × 9 = 90000; Apr 10–20 30000 × 11 = 330000;
    # Apr 21–30 5000 × 10 = 50000; Σ = 470000; 470000 / 30 = 15666.67 → 15667
    assert _pick(m["C1"], "days", "demand_sum", "aum_sum", "month_avg_fen", "aum_fen") == {
        "days": 30,
        "demand_sum": 470_000,
        "aum_sum": 470_000,
        "month_avg_fen": 15_667,
        "aum_fen": 5_000,
    }


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # A2 (opened 05-11): 100000 × 21 (11–31) = 2100000. A3 (closed 05-20): carry-in
        # 50000 × 4 (1–4) = 200000, 20000 × 16 (5–20) = 320000, nothing after.
        # Σ = 2620000; / 31 = 84516.13 → 84516; at 05-31 only A2 is held: 100000.
        (date(2025, 5, 31), (31, 2_100_000, 520_000, 84_516, 100_000, 0)),
        # Month to date on the closing day: A2 100000 × 10 (11–20) = 1000000; A3 520000 as
        # above; Σ = 1520000 / 20 = 76000; the closing day's balance still counts: 120000.
        (date(2025, 5, 20), (20, 1_000_000, 520_000, 76_000, 120_000, 20_000)),
        # The day after: A3 holds nothing any more. A2 100000 × 11 = 1100000;
        # Σ = 1620000 / 21 = 77142.86 → 77143; point 100000.
        (date(2025, 5, 21), (21, 1_100_000, 520_000, 77_143, 100_000, 0)),
    ],
)
def test_account_opened_and_account_closed_mid_month(
    duck: Engine, as_of: date, expected: tuple[int, ...]
) -> None:
    m = by_key(
        duck,
        aum_monthly(
            duck,
            customers=[customer("C2")],
            accounts=[
                account("A2", "C2", opened_on=date(2025, 5, 11)),
                account("A3", "C2", "time", closed_on=date(2025, 5, 20)),
            ],
            balances=[
                balance(date(2025, 5, 11), "A2", "1000.00"),
                balance(date(2025, 4, 15), "A3", "500.00"),
                balance(date(2025, 5, 5), "A3", "200.00"),
            ],
            as_of=as_of,
        ),
    )
    cols = ("days", "demand_sum", "time_sum", "month_avg_fen", "aum_fen", "time_fen")
    assert tuple(_pick(m["C2"], *cols).values()) == expected


@pytest.mark.parametrize(
    ("as_of", "days", "total", "avg"),
    [
        # 1st–15th 100 × 15 = 1500, 16th–end 3100 × (days − 15)
        (date(2025, 1, 31), 31, 1_500 + 3_100 * 16, 1_648),  # 51100 / 31 = 1648.39
        (date(2025, 4, 30), 30, 1_500 + 3_100 * 15, 1_600),  # 48000 / 30 = 1600
        (date(2024, 2, 29), 29, 1_500 + 3_100 * 14, 1_548),  # 44900 / 29 = 1548.28 (leap)
        (date(2025, 2, 28), 28, 1_500 + 3_100 * 13, 1_493),  # 41800 / 28 = 1492.86
    ],
)
def test_month_average_divides_by_the_calendar_days_of_the_month(
    duck: Engine, as_of: date, days: int, total: int, avg: int
) -> None:
    start = as_of.replace(day=1)
    m = by_key(
        duck,
        aum_monthly(
            duck,
            customers=[customer("C1")],
            accounts=[account("A1", "C1")],
            balances=[
                balance(date.fromordinal(start.toordinal() - 1), "A1", "1.00"),
                balance(start.replace(day=16), "A1", "31.00"),
            ],
            as_of=as_of,
        ),
    )
    assert _pick(m["C1"], "month", "days", "aum_sum", "month_avg_fen") == {
        "month": start,
        "days": days,
        "aum_sum": total,
        "month_avg_fen": avg,
    }


@pytest.mark.parametrize(
    ("last_day", "avg"),
    [
        ("1000.15", 100_001),  # 100000 × 29 + 100015 = 3000015; / 30 = 100000.5 → up
        ("1000.14", 100_000),  # 3000014 / 30 = 100000.47 → down
    ],
)
def test_month_average_rounds_half_a_fen_up(duck: Engine, last_day: str, avg: int) -> None:
    m = by_key(
        duck,
        aum_monthly(
            duck,
            customers=[customer("C1")],
            accounts=[account("A1", "C1", "time")],
            balances=[
                balance(date(2025, 3, 31), "A1", "1000.00"),
                balance(date(2025, 4, 30), "A1", last_day),
            ],
            as_of=APR,
        ),
    )
    assert m["C1"]["month_avg_fen"] == avg
    assert m["C1"]["deposit_month_avg_fen"] == avg  # a time deposit counts as deposit too


def test_customer_without_asset_accounts_gets_a_row_of_zeros(duck: Engine) -> None:
    m = by_key(
        duck,
        aum_monthly(
            duck,
            customers=[customer("C1"), customer("C9")],
            accounts=[account("A1", "C1")],
            balances=[balance(date(2025, 4, 1), "A1", "10.00")],
            as_of=APR,
        ),
    )
    money = [c for c in m["C9"] if c.endswith(("_fen", "_sum"))]
    assert len(money) == 2 * len(ASSET_CLASSES) + 8  # classes, totals, averages
    assert {c: m["C9"][c] for c in money} == dict.fromkeys(money, 0)
    assert (m["C9"]["month"], m["C9"]["days"]) == (date(2025, 4, 1), 30)
    assert m["C1"]["month_avg_fen"] == 1_000  # 1000 × 30 / 30: C9 does not disturb C1


def test_real_row_on_the_first_day_replaces_the_carry_in(duck: Engine) -> None:
    m = by_key(
        duck,
        aum_monthly(
            duck,
            customers=[customer("C1")],
            accounts=[account("A1", "C1")],
            balances=[
                balance(date(2025, 3, 31), "A1", "500.00"),
                balance(date(2025, 4, 1), "A1", "700.00"),
            ],
            as_of=APR,
        ),
    )
    # 70000 × 30 = 2100000 → 70000. Carry-in winning would give 50000; both counted on
    # Apr 1 would give (120000 + 70000 × 29) / 30 = 71667.
    assert _pick(m["C1"], "aum_sum", "month_avg_fen", "aum_fen") == {
        "aum_sum": 2_100_000,
        "month_avg_fen": 70_000,
        "aum_fen": 70_000,
    }


def _five_classes(duck: Engine) -> dict[str, dict[str, object]]:
    return by_key(
        duck,
        aum_monthly(
            duck,
            customers=[customer("C3")],
            accounts=[
                account("D1", "C3", "demand"),
                account("T1", "C3", "time"),
                account("F1", "C3", "fund"),
                account("W1", "C3", "wealth", closed_on=date(2025, 4, 10)),
                account("I1", "C3", "insurance", closed_on=APR),
            ],
            balances=[
                balance(date(2025, 3, 31), "D1", "100.00"),
                balance(date(2025, 3, 31), "T1", "200.00"),
                balance(date(2025, 3, 31), "F1", "300.00"),
                balance(date(2025, 3, 31), "W1", "400.00"),
                balance(date(2025, 4, 16), "I1", "500.00"),
            ],
            as_of=APR,
        ),
    )


def test_point_aum_and_deposit_only_variants(duck: Engine) -> None:
    row = _five_classes(duck)["C3"]
    # Σ: demand 10000 × 30 = 300000, time 20000 × 30 = 600000, fund 30000 × 30 = 900000,
    # wealth 40000 × 10 (1–10) = 400000, insurance 50000 × 15 (16–30) = 750000.
    # AUM 2950000 / 30 = 98333.33 → 98333; deposit (demand + time) 900000 / 30 = 30000.
    # Point on 04-30: wealth closed (0), insurance closes that day and still counts (50000).
    assert _pick(
        row,
        "demand_fen",
        "time_fen",
        "fund_fen",
        "wealth_fen",
        "insurance_fen",
        "aum_fen",
        "deposit_fen",
        "wealth_sum",
        "insurance_sum",
        "aum_sum",
        "deposit_sum",
        "month_avg_fen",
        "deposit_month_avg_fen",
    ) == {
        "demand_fen": 10_000,
        "time_fen": 20_000,
        "fund_fen": 30_000,
        "wealth_fen": 0,
        "insurance_fen": 50_000,
        "aum_fen": 110_000,
        "deposit_fen": 30_000,
        "wealth_sum": 400_000,
        "insurance_sum": 750_000,
        "aum_sum": 2_950_000,
        "deposit_sum": 900_000,
        "month_avg_fen": 98_333,
        "deposit_month_avg_fen": 30_000,
    }


WEIGHTED = """
name = "fund_half"
title = "基金折半"
basis = "{basis}"
effective_from = 2025-01-01

[[tiers]]
name = "普通"
lower = "0"

[[tiers]]
name = "贵宾"
lower = "1万"

[coefficients]
fund = "0.5"
"""


@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        # demand 10001 × 30 = 300030, fund 101 × 30 = 3030; 300030 + 0.5 × 3030 = 301545;
        # / 30 = 10051.5 → 10052 (unweighted it would be 303060 / 30 = 10102)
        ("aum_month_avg", 10_052),
        # 10001 + 0.5 × 101 = 10051.5 → 10052
        ("aum_point", 10_052),
        # demand only: 300030 / 30 = 10001; the fund is no deposit whatever its weight
        ("deposit_month_avg", 10_001),
    ],
)
def test_coefficients_weigh_asset_classes_exactly(duck: Engine, basis: str, expected: int) -> None:
    spec = parse_toml(WEIGHTED.format(basis=basis))
    monthly = aum_monthly(
        duck,
        customers=[customer("C1")],
        accounts=[account("A1", "C1"), account("F1", "C1", "fund")],
        balances=[
            balance(date(2025, 3, 31), "A1", "100.01"),
            balance(date(2025, 3, 31), "F1", "1.01"),
        ],
        as_of=APR,
    )
    weighted = by_key(duck, monthly.mutate(v=tiers.basis_value(monthly, spec)))["C1"]
    assert (weighted["v"], weighted["month_avg_fen"]) == (expected, 10_102)


@pytest.mark.parametrize("basis", ["aum_month_avg", "aum_point"])
def test_weighted_half_fen_stays_exact_beyond_double_precision(duck: Engine, basis: str) -> None:
    spec = parse_toml(WEIGHTED.format(basis=basis))
    monthly = aum_monthly(
        duck,
        customers=[customer("C1")],
        accounts=[account("F1", "C1", "fund")],
        balances=[balance(date(2025, 3, 31), "F1", "12345678901.23")],
        as_of=APR,
    )
    weighted = by_key(duck, monthly.mutate(v=tiers.basis_value(monthly, spec)))["C1"]
    # 1234567890123 fen × 0.5 = 617283945061.5 → 617283945062 (month: × 30 ÷ 30, the same);
    # the integers on the way (2 × 6172839450615000 + 10000 at scale 10000) pass 2^53
    assert weighted["v"] == 617_283_945_062


def test_year_average_and_peak_read_earlier_months(duck: Engine) -> None:
    history = [
        month_row("C1", date(2024, 4, 1), 30, demand=9_999_999),  # 12 months ago: no peak
        month_row("C1", date(2024, 12, 1), 31, demand=100_000),  # last year: no 年日均
        month_row("C1", date(2025, 1, 1), 31, demand=10_000),  # Σ 310000
        month_row("C1", date(2025, 2, 1), 28, demand=10_000),  # Σ 280000
        month_row("C1", date(2025, 3, 1), 31, demand=20_000),  # Σ 620000
    ]
    m = by_key(
        duck,
        aum_monthly(
            duck,
            customers=[customer("C1")],
            accounts=[account("A1", "C1")],
            balances=[balance(date(2025, 3, 31), "A1", "300.00")],
            as_of=APR,
            history=history,
            year_days_before=31 + 28 + 31,
        ),
    )
    # April 30000 × 30 = 900000; 年日均 (310000 + 280000 + 620000 + 900000) / (90 + 30)
    # = 2110000 / 120 = 17583.33 → 17583; peak of May 2024 – April 2025: 100000 (Dec)
    assert _pick(m["C1"], "month_avg_fen", "year_avg_fen", "peak_month_avg_fen") == {
        "month_avg_fen": 30_000,
        "year_avg_fen": 17_583,
        "peak_month_avg_fen": 100_000,
    }


def _pick(row: dict[str, object], *cols: str) -> dict[str, object]:
    return {c: row[c] for c in cols}


def test_sums_are_bigint_in_the_sql_not_hugeint(duck: Engine) -> None:
    """DuckDB sums BIGINT into HUGEINT; the marts cast back at once (`common.int64`) so joins,
    the class pivot and the 月日均 division run on 64-bit integers. DESCRIBE shows the types
    DuckDB computes, before the write's final casts."""
    m = aum_monthly(
        duck,
        customers=[customer("C1")],
        accounts=[account("A1", "C1")],
        balances=[balance(date(2025, 4, 1), "A1", "100.00")],
        as_of=APR,
    )
    described = duck.con.raw_sql(f"DESCRIBE {duck.con.compile(m)}").fetchall()
    types = {name: kind for name, kind, *_ in described}
    money = [c for c in types if c.endswith(("_fen", "_sum"))]
    assert money and {types[c] for c in money} == {"BIGINT"}, types
