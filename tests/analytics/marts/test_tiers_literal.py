"""The `tiers` mart with the shipped presets (DESIGN §6), on hand-written `aum_monthly` rows.

Amounts are fen: 1万 = 1,000,000 fen. `month_row(..., demand=X)` is a month whose 月日均 and point
balance are exactly X fen, so each case reads as "this customer averaged X".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pytest

from bankcrm.analytics.backend import Engine
from bankcrm.analytics.marts import tiers
from bankcrm.analytics.nightly import MONTHLY_SCHEMA, PREVIOUS_TIER_SCHEMA
from bankcrm.tiering.schemas import RuleSetSpec, parse_toml
from bankcrm.tiering.service import preset_toml
from tests.analytics.marts.factories import FACTS_SCHEMA, by_key, month_row, register, typed

WAN = 1_000_000
JAN, FEB, MAR, APR = (date(2025, m, 1) for m in (1, 2, 3, 4))
DAYS = {JAN: 31, FEB: 28, MAR: 31, APR: 30}
END = {m: date(2025, m.month, d) for m, d in DAYS.items()}  # the month-end as_of


def preset(name: str, **update: Any) -> RuleSetSpec:
    return parse_toml(preset_toml(name)).model_copy(update=update)


def fact(customer_id: str, **over: Any) -> dict[str, Any]:
    row = {
        "customer_id": customer_id,
        "age": 40,
        "credit_card_spend_12m_fen": 0,
        "loan_balance_fen": 0,
        "custody_fen": 0,
        "card_level_rank": -1,  # holds no card (holdings' value)
    }
    return row | over


def decide(
    duck: Engine,
    spec: RuleSetSpec,
    month: date,
    monthly: list[dict[str, Any]],
    *,
    history: Iterable[Mapping[str, Any]] = (),
    facts: Iterable[Mapping[str, Any]] = (),
    previous: Iterable[Mapping[str, Any]] = (),
) -> dict[str, dict[str, Any]]:
    """`tiers` at the end of `month`, chained the way `nightly` chains it."""
    given = {f["customer_id"]: f for f in facts}
    all_facts = [given.get(m["customer_id"], fact(m["customer_id"])) for m in monthly]
    prev = register(duck, "previous", typed(PREVIOUS_TIER_SCHEMA, previous))
    out = tiers.tiers(
        register(duck, "monthly", typed(MONTHLY_SCHEMA, monthly)),
        register(duck, "history", typed(MONTHLY_SCHEMA, history)),
        register(duck, "facts", typed(FACTS_SCHEMA, all_facts)),
        prev.filter(prev.rule_set == spec.name),
        spec=spec,
        version=3,
        as_of=END[month],
    )
    return by_key(duck, out)


def row(cid: str, month: date = APR, **avg: int) -> dict[str, Any]:
    return month_row(cid, month, DAYS[month], **avg)


def brief(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["tier"], r["basis_value_fen"], r["threshold_fen"], r["reason_kind"], r["reason"])


def test_deposit_4tier_lower_bounds_are_inclusive_and_count_deposits_only(duck: Engine) -> None:
    out = decide(
        duck,
        preset("deposit_4tier"),
        APR,
        [
            row("C1", demand=5 * WAN),  # exactly 50,000.00
            row("C2", demand=5 * WAN - 1),  # 49,999.99
            row("C3", time=50 * WAN),
            row("C4", demand=300 * WAN - 1, time=1),  # 2,999,999.99 + 0.01 = 300万
            row("C5", fund=300 * WAN, wealth=300 * WAN),  # no deposit at all
        ],
    )
    assert {c: brief(r) for c, r in out.items()} == {
        "C1": ("潜力", 5 * WAN, 5 * WAN, "basis", "存款月日均 50000.00 元 ≥ 潜力下限 50000.00 元"),
        "C2": ("普通", 5 * WAN - 1, 0, "basis", "存款月日均 49999.99 元 < 潜力下限 5万，为普通"),
        "C3": (
            "优质",
            50 * WAN,
            50 * WAN,
            "basis",
            "存款月日均 500000.00 元 ≥ 优质下限 500000.00 元",
        ),
        "C4": (
            "高端",
            300 * WAN,
            300 * WAN,
            "basis",
            "存款月日均 3000000.00 元 ≥ 高端下限 3000000.00 元",
        ),
        "C5": ("普通", 0, 0, "basis", "存款月日均 0.00 元 < 潜力下限 5万，为普通"),
    }
    assert {(r["rule_set"], r["version"], r["basis"]) for r in out.values()} == {
        ("deposit_4tier", 3, "deposit_month_avg")
    }


def test_each_qualifier_lifts_to_potential_and_the_reason_says_which(duck: Engine) -> None:
    lifted = {
        "Q1": (fact("Q1", credit_card_spend_12m_fen=5 * WAN), "信用卡年消费 50000.00 元 ≥ 5万"),
        "Q2": (fact("Q2", loan_balance_fen=30 * WAN), "个人贷款余额 300000.00 元 ≥ 30万"),
        "Q3": (fact("Q3", custody_fen=1 * WAN), "三方存管保证金 10000.00 元 ≥ 1万"),
        "Q4": (fact("Q4", card_level_rank=2), "持有白金卡及以上卡"),  # platinum
        "Q5": (fact("Q5", card_level_rank=3), "持有白金卡及以上卡"),  # diamond
    }
    short = [
        fact("N1", credit_card_spend_12m_fen=5 * WAN - 1),
        fact("N2", loan_balance_fen=30 * WAN - 1),
        fact("N3", custody_fen=1 * WAN - 1),
        fact("N4", card_level_rank=1),  # gold
    ]
    customers = [*lifted, "N1", "N2", "N3", "N4"]
    out = decide(
        duck,
        preset("deposit_4tier"),
        APR,
        [row(c, demand=1 * WAN) for c in customers] + [row("H1", demand=60 * WAN)],
        facts=[f for f, _ in lifted.values()]
        + short
        + [fact("H1", credit_card_spend_12m_fen=9 * WAN)],
    )
    for cid, (_, why) in lifted.items():
        assert brief(out[cid]) == (
            "潜力",
            1 * WAN,
            5 * WAN,
            "qualifier",
            f"资格条件：{why}，至少为潜力",
        ), cid
        assert (out[cid]["basis_rank"], out[cid]["tier_rank"]) == (0, 1)
    for cid in ("N1", "N2", "N3", "N4"):
        assert brief(out[cid]) == (
            "普通",
            1 * WAN,
            0,
            "basis",
            "存款月日均 10000.00 元 < 潜力下限 5万，为普通",
        ), cid
    # a qualifier lifts to at least 潜力; it never lowers a higher basis tier
    assert brief(out["H1"]) == (
        "优质",
        60 * WAN,
        50 * WAN,
        "basis",
        "存款月日均 600000.00 元 ≥ 优质下限 500000.00 元",
    )


def test_staff_tier_of_outlet_adoption_ends_at_sixty(duck: Engine) -> None:
    out = decide(
        duck,
        preset("outlet_adoption"),
        APR,
        [
            row("A59", fund=7 * WAN),  # AUM counts every asset class
            row("A60", fund=7 * WAN),
            row("A75", demand=7 * WAN),
            row("B60", demand=10 * WAN),
            row("L60", demand=4 * WAN),
        ],
        facts=[
            fact("A59", age=59),
            fact("A60", age=60),
            fact("A75", age=75),
            fact("B60", age=60),
            fact("L60", age=60),
        ],
    )
    excluded = "AUM月日均 70000.00 元，年龄 60 岁及以上不入员工维护，为未分层"
    assert {c: brief(r) for c, r in out.items()} == {
        "A59": (
            "员工维护",
            7 * WAN,
            5 * WAN,
            "basis",
            "AUM月日均 70000.00 元 ≥ 员工维护下限 50000.00 元",
        ),
        "A60": ("未分层", 7 * WAN, 0, "basis", excluded),
        "A75": ("未分层", 7 * WAN, 0, "basis", excluded),
        # the age limit belongs to 员工维护 alone
        "B60": (
            "网点领养",
            10 * WAN,
            10 * WAN,
            "basis",
            "AUM月日均 100000.00 元 ≥ 网点领养下限 100000.00 元",
        ),
        "L60": (
            "未分层",
            4 * WAN,
            0,
            "basis",
            "AUM月日均 40000.00 元 < 员工维护下限 5万，为未分层",
        ),
    }


# Customer D averaged 120万 (高端) in January and 80万 (中端) from February on; customer U
# averaged 80万 in January and February and 120万 from March on.
D = {JAN: 120 * WAN, FEB: 80 * WAN, MAR: 80 * WAN, APR: 80 * WAN}
U = {JAN: 80 * WAN, FEB: 80 * WAN, MAR: 120 * WAN, APR: 120 * WAN}
HELD = "AUM月日均 800000.00 元，低于高端下限 1000000.00 元，未满 2 个月缓冲期，暂保留高端"
DOWN = "AUM月日均 800000.00 元 ≥ 中端下限 200000.00 元"
UP = "AUM月日均 1200000.00 元 ≥ 高端下限 1000000.00 元"
MID = DOWN  # the same words when U simply stays 中端


RANKS = ("大众", "中端", "高端", "顶级")


@pytest.mark.parametrize(
    ("month", "months", "u_before", "d", "u"),
    [
        # first month below: D is held (its threshold stays 高端's 100万)
        (
            FEB,
            2,
            "中端",
            ("高端", 100 * WAN, "hysteresis", HELD, "same"),
            ("中端", 20 * WAN, "basis", MID, "same"),
        ),
        # second month below: still held; U's upgrade is immediate
        (
            MAR,
            2,
            "中端",
            ("高端", 100 * WAN, "hysteresis", HELD, "same"),
            ("高端", 100 * WAN, "basis", UP, "up"),
        ),
        # third month below: D drops
        (
            APR,
            2,
            "高端",
            ("中端", 20 * WAN, "basis", DOWN, "down"),
            ("高端", 100 * WAN, "basis", UP, "same"),
        ),
        # the preset has no hysteresis: D drops in the first month below
        (
            FEB,
            0,
            "中端",
            ("中端", 20 * WAN, "basis", DOWN, "down"),
            ("中端", 20 * WAN, "basis", MID, "same"),
        ),
    ],
)
def test_hysteresis_holds_a_tier_for_n_months_below_and_upgrades_at_once(
    duck: Engine,
    month: date,
    months: int,
    u_before: str,
    d: tuple[Any, ...],
    u: tuple[Any, ...],
) -> None:
    spec = preset("maintenance_3tier", hysteresis_months=months)
    out = decide(
        duck,
        spec,
        month,
        [row("D", month, demand=D[month]), row("U", month, demand=U[month])],
        history=[
            row(c, m, demand=avg[m]) for m in D if m < month for c, avg in (("D", D), ("U", U))
        ],
        previous=[
            {"customer_id": c, "rule_set": spec.name, "tier": t, "tier_rank": RANKS.index(t)}
            for c, t in (("D", "高端"), ("U", u_before))
        ],
    )
    cols = ("tier", "threshold_fen", "reason_kind", "reason", "change")
    assert tuple(out["D"][c] for c in cols) == d
    assert tuple(out["U"][c] for c in cols) == u


def test_change_compares_with_the_previous_tier_of_the_same_rule_set(duck: Engine) -> None:
    spec = preset("maintenance_3tier")
    out = decide(
        duck,
        spec,
        APR,
        [
            row("NEW", demand=10 * WAN),
            row("UP", demand=20 * WAN),
            row("DOWN", demand=100 * WAN),
            row("SAME", demand=500 * WAN),
        ],
        previous=[
            {"customer_id": "NEW", "rule_set": "outlet_adoption", "tier": "未分层", "tier_rank": 0},
            {"customer_id": "UP", "rule_set": spec.name, "tier": "大众", "tier_rank": 0},
            {"customer_id": "DOWN", "rule_set": spec.name, "tier": "顶级", "tier_rank": 3},
            {"customer_id": "SAME", "rule_set": spec.name, "tier": "顶级", "tier_rank": 3},
        ],
    )
    got = {
        c: (r["prev_tier"], r["tier"], r["tier_rank"], r["threshold_fen"], r["change"])
        for c, r in out.items()
    }
    assert got == {
        "NEW": (None, "大众", 0, 0, "new"),  # only another rule set knew the customer
        "UP": ("大众", "中端", 1, 20 * WAN, "up"),
        "DOWN": ("顶级", "高端", 2, 100 * WAN, "down"),
        "SAME": ("顶级", "顶级", 3, 500 * WAN, "same"),
    }


POINT_CUSTODY = """
name = "point_custody"
title = "时点与存管"
basis = "aum_point"
effective_from = 2025-01-01

[[tiers]]
name = "普通"
lower = "0"

[[tiers]]
name = "贵宾"
lower = "5万"

[[qualifiers]]
kind = "custody_margin"
at_least = "1万"
tier = "贵宾"
"""


def test_custody_qualifier_reads_facts_under_a_point_basis(duck: Engine) -> None:
    out = decide(
        duck,
        parse_toml(POINT_CUSTODY),
        APR,
        [row("C1", demand=100)],  # custody point balance in `monthly`: 0
        facts=[fact("C1", custody_fen=1 * WAN)],
    )
    assert brief(out["C1"]) == (
        "贵宾",
        100,
        5 * WAN,
        "qualifier",
        "资格条件：三方存管保证金 10000.00 元 ≥ 1万，至少为贵宾",
    )
