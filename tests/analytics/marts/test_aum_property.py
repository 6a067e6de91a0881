"""aum_monthly against an independent day-by-day computation (DESIGN §5.2), on random small data.

The oracle walks every calendar day of the month up to as_of: an account's day-end balance is its
latest row on or before that day, nothing after its closed_on; it sums integer fen and divides
once with Decimal ROUND_HALF_UP. Half the customers get one more account whose balance on as_of
brings their month average to exactly half a fen (in months with an even day count so far). The mart carries spans instead of a day grid; both must agree to
the fen on every random case.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from bankcrm.analytics.backend import Engine
from bankcrm.analytics.ingest.contract import ASSET_CLASSES
from bankcrm.analytics.marts.aum import DEPOSIT_CLASSES
from tests.analytics.marts.factories import (
    account,
    aum_monthly,
    balance,
    customer,
    lake_table,
    register,
)

MONTHS = (date(2024, 2, 1), date(2025, 2, 1), date(2025, 4, 1), date(2025, 12, 1))
CHECKED = ("month_avg_fen", "deposit_month_avg_fen", "aum_fen")


@dataclass(frozen=True)
class Case:
    start: date
    as_of: date
    accounts: list[dict[str, Any]]
    balances: list[dict[str, Any]]
    customers: int


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


fen_amounts = st.one_of(
    st.integers(0, 300),  # small: remainders (and half fens) are likely
    st.integers(0, 10**12),  # up to 100亿 yuan
)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    start = draw(st.sampled_from(MONTHS))
    n_days = calendar.monthrange(start.year, start.month)[1]
    before = (start - timedelta(days=1)).day  # days of the previous month
    end_day = draw(st.one_of(st.just(n_days), st.integers(1, n_days)))
    case = Case(start, start.replace(day=end_day), [], [], draw(st.integers(1, 4)))
    offsets = st.integers(-before, n_days - 1)  # previous month's first day … month end
    for c in range(case.customers):
        for k in range(draw(st.integers(0, 4))):
            closed = draw(st.none() | offsets)
            case.accounts.append(
                account(
                    f"A{c}{k}",
                    f"C{c}",
                    draw(st.sampled_from(ASSET_CLASSES)),
                    closed_on=None if closed is None else start + timedelta(days=closed),
                )
            )
            for d in draw(st.lists(offsets, max_size=6, unique=True)):
                amount = _yuan(draw(fen_amounts))
                case.balances.append(balance(start + timedelta(days=d), f"A{c}{k}", amount))
        if draw(st.booleans()):
            _aim_at_half_a_fen(case, f"C{c}", draw(st.integers(0, 10**6)))
    return case


def _aim_at_half_a_fen(case: Case, customer_id: str, extra: int) -> None:
    """Give the customer a demand account with one row on as_of that brings Σ to n/2 mod n: a
    month average of exactly half a fen (possible when the month so far has an even day count)."""
    n = (case.as_of - case.start).days + 1
    if n % 2 == 0:
        fen = (n // 2 - day_walk(case)[customer_id][0]) % n + n * extra
        case.accounts.append(account(f"H{customer_id}", customer_id))
        case.balances.append(balance(case.as_of, f"H{customer_id}", _yuan(fen)))


def day_walk(case: Case) -> dict[str, list[int]]:
    """Per customer: Σ day-end AUM fen and Σ deposit fen over start … as_of, AUM fen on as_of.
    A day's balance is the account's latest row on or before it; nothing after closed_on."""
    rows: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for b in case.balances:
        rows[b["account_id"]].append((b["as_of"], int(Decimal(b["balance"]) * 100)))
    total = {f"C{c}": [0, 0, 0] for c in range(case.customers)}
    for i in range((case.as_of - case.start).days + 1):
        day = case.start + timedelta(days=i)
        for a in case.accounts:
            known = [(d, f) for d, f in rows[a["account_id"]] if d <= day]
            if not known or (a["closed_on"] is not None and day > a["closed_on"]):
                continue
            fen = max(known)[1]
            t = total[a["customer_id"]]
            t[0] += fen
            t[1] += fen if a["asset_class"] in DEPOSIT_CLASSES else 0
            t[2] += fen if day == case.as_of else 0
    return total


def oracle(case: Case) -> dict[str, dict[str, int]]:
    n = (case.as_of - case.start).days + 1
    out = {}
    for cid, (aum_sum, deposit_sum, point) in day_walk(case).items():
        if n % 2 == 0 and aum_sum % n == n // 2:
            event("a month average lands exactly on half a fen")
        out[cid] = {
            "month_avg_fen": _half_up(aum_sum, n),
            "deposit_month_avg_fen": _half_up(deposit_sum, n),
            "aum_fen": point,
        }
    return out


def _half_up(total: int, days: int) -> int:
    return int((Decimal(total) / days).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_compiled: dict[tuple[int, date], str] = {}  # (engine, as_of) → SQL: Ibis compiles in ~1 s


def mart(duck: Engine, case: Case) -> dict[str, dict[str, int]]:
    customers = [customer(f"C{c}") for c in range(case.customers)]
    key = (id(duck), case.as_of)
    if key not in _compiled:
        expr = aum_monthly(
            duck,
            customers=customers,
            accounts=case.accounts,
            balances=case.balances,
            as_of=case.as_of,
        )
        cols = ", ".join(f"CAST({c} AS BIGINT) AS {c}" for c in CHECKED)
        _compiled[key] = f"SELECT customer_id, {cols} FROM ({duck.con.compile(expr)})"
    else:  # the same table names with new contents
        register(duck, "customers", lake_table("customers", customers))
        register(duck, "accounts", lake_table("accounts", case.accounts))
        register(duck, "balances", lake_table("balances", case.balances))
    result = duck.con.raw_sql(_compiled[key]).fetchall()
    return {r[0]: dict(zip(CHECKED, r[1:], strict=True)) for r in result}


@settings(max_examples=60, deadline=None)
@given(case=cases())
@example(  # 100000 × 29 + 100015 = 3000015 fen over 30 days: exactly 100000.5 → 100001
    case=Case(
        start=date(2025, 4, 1),
        as_of=date(2025, 4, 30),
        accounts=[account("A00", "C0", "time")],
        balances=[
            balance(date(2025, 3, 31), "A00", "1000.00"),
            balance(date(2025, 4, 30), "A00", "1000.15"),
        ],
        customers=1,
    )
)
def test_month_average_and_point_match_a_day_by_day_walk(duck: Engine, case: Case) -> None:
    assert mart(duck, case) == oracle(case)
