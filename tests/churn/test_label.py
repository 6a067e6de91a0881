"""The churn label on hand-worked series (月日均 in fen; trailing = months t-2..t)."""

from __future__ import annotations

import numpy as np

from bankcrm.churn.label import (
    CHURNED,
    DEFAULT,
    MISSING,
    NO_FLOOR,
    STAYED,
    UNLABELLED,
    LabelSpec,
    floors,
    label,
)

WAN = 1_000_000  # fen


def one(
    trailing: list[int],
    future: list[int],
    floor: int = NO_FLOOR,
    closed: bool = False,
    spec: LabelSpec = DEFAULT,
) -> int:
    return int(label(np.array([trailing]), np.array([future]), [floor], [closed], spec)[0])


def test_a_fall_of_exactly_half_churns_and_one_fen_less_does_not() -> None:
    # trailing average (30 + 30 + 30) / 3 = 30万: 15万 is exactly 50% below
    assert one([30 * WAN] * 3, [28 * WAN, 15 * WAN, 20 * WAN]) == CHURNED
    assert one([30 * WAN] * 3, [28 * WAN, 15 * WAN + 1, 20 * WAN]) == STAYED
    # uneven trailing months: average (40 + 20 + 30) / 3 = 30万 → still 15万
    assert one([40 * WAN, 20 * WAN, 30 * WAN], [15 * WAN, 15 * WAN, 15 * WAN]) == CHURNED
    # the average, not the last month: 1 fen above half of 30万 stays
    assert one([40 * WAN, 20 * WAN, 30 * WAN], [15 * WAN + 1] * 3) == STAYED


def test_the_fall_must_also_go_below_the_tier_floor() -> None:
    # 高端 (floor 100万): 300万 → 120万 is a 60% fall but still 高端
    assert one([300 * WAN] * 3, [120 * WAN] * 3, floor=100 * WAN) == STAYED
    assert one([300 * WAN] * 3, [120 * WAN, 99 * WAN, 99 * WAN], floor=100 * WAN) == CHURNED
    # exactly on the floor is not below it
    assert one([300 * WAN] * 3, [100 * WAN] * 3, floor=100 * WAN) == STAYED


def test_closing_every_account_churns_even_before_the_horizon_is_complete() -> None:
    assert one([2 * WAN] * 3, [MISSING] * 3, closed=True) == CHURNED
    assert one([2 * WAN] * 3, [2 * WAN] * 3, floor=0, closed=True) == CHURNED


def test_too_short_a_history_is_unlabelled() -> None:
    assert one([MISSING, 30 * WAN, 30 * WAN], [1] * 3) == UNLABELLED  # a trailing month missing
    assert one([30 * WAN] * 3, [30 * WAN, 30 * WAN, MISSING]) == UNLABELLED  # horizon not over
    # …but a fall already seen inside the known months is a churn
    assert one([30 * WAN] * 3, [10 * WAN, MISSING, MISSING]) == CHURNED
    assert one([0, 0, 0], [0, 0, 0]) == UNLABELLED  # nothing to lose


def test_the_definition_is_configurable() -> None:
    strict = LabelSpec(drop_pct=60, horizon_months=2, trailing_months=2)
    assert one([30 * WAN] * 2, [15 * WAN, 15 * WAN], spec=strict) == STAYED
    assert one([30 * WAN] * 2, [12 * WAN, 20 * WAN], spec=strict) == CHURNED


def test_floors_from_the_tier_held() -> None:
    threshold = np.array([0, 20 * WAN, 100 * WAN, np.nan])
    rank = np.array([0, 1, 2, np.nan])
    assert floors(threshold, rank).tolist() == [0, 20 * WAN, 100 * WAN, 0]
    waived = LabelSpec(waive_floor_in_lowest_tier=True)
    assert floors(threshold, rank, waived).tolist() == [NO_FLOOR, 20 * WAN, 100 * WAN, NO_FLOOR]
    assert floors(threshold, rank, LabelSpec(floor_fen=5 * WAN)).tolist() == [5 * WAN] * 4
    # lowest tier kept at floor 0: a fall to 0 is not below 0 — only a closure churns
    assert one([2 * WAN] * 3, [0] * 3, floor=0) == STAYED
