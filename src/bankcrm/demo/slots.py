"""Which investments a customer holds and how much: one "slot" per holding (a chain of accounts).

A slot is the customer's intention to keep an amount in a product class: a 定期 rolled over at
each maturity, a fund position, an insurance policy. Richer customers hold more classes and more
slots; the demand account keeps whatever the slots do not.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from bankcrm.demo.catalog import PRODUCT_INDEX, PRODUCTS
from bankcrm.demo.customers import DRIFT, Book
from bankcrm.demo.names import weighted
from bankcrm.demo.timeline import I32, I64, NEVER, Timeline

Rng = np.random.Generator

CLASSES = ("time", "wealth", "fund", "insurance", "bond", "metal", "custody", "demand")
LEVEL_EDGES_YUAN = np.array([1e4, 5e4, 5e5, 3e6])
# P(hold the class) by level: <1万, 1–5万, 5–50万, 50–300万, ≥300万.
HOLD_P = np.array(
    [
        [0.18, 0.45, 0.60, 0.70, 0.70],
        [0.01, 0.10, 0.45, 0.75, 0.85],
        [0.01, 0.05, 0.25, 0.45, 0.60],
        [0.00, 0.03, 0.15, 0.30, 0.45],
        [0.00, 0.02, 0.08, 0.15, 0.20],
        [0.00, 0.02, 0.06, 0.10, 0.15],
        [0.01, 0.04, 0.10, 0.20, 0.30],
        [0.08, 0.12, 0.15, 0.15, 0.15],
    ]
)
SHARE_SHAPE = np.array([3, 3, 1.5, 1.5, 1, 0.5, 1, 0.3])  # gamma shape of each class' share
DEMAND_SHAPE = np.array([3, 2, 1.5, 1, 1])  # … and of the demand account's, by level
# Products of each class with choice weights for (under 65, 65 and over).
CHOICES: dict[str, tuple[tuple[str, float, float], ...]] = {
    "time": (
        ("TD03", 3, 2),
        ("TD06", 3, 3),
        ("TD12", 5, 5),
        ("TD24", 2, 2),
        ("TD36", 4, 5),
        ("TD60", 1, 2),
    ),
    "wealth": (
        ("WM01", 30, 30),
        ("WM02", 20, 30),
        ("WM03", 20, 25),
        ("WM04", 15, 10),
        ("WM05", 8, 5),
        ("WM06", 7, 0),
    ),
    "fund": (("FD01", 3, 6), ("FD02", 3, 3), ("FD03", 2, 0.5), ("FD04", 1.5, 0), ("FD05", 0.5, 0)),
    "insurance": (("IN01", 2, 1), ("IN02", 2, 2), ("IN03", 1, 1)),
    "bond": (("BD03", 2, 3), ("BD05", 1, 1)),
    "metal": (("MT01", 1, 1),),
    "custody": (("CU01", 1, 1),),
    "demand": (("DD01", 1, 1),),
}
EXTRA_SLOT_AT_YUAN = {"time": (1e5, 1e6), "wealth": (3e5, 2e6), "fund": (5e5,)}
ROUND_YUAN = {"time": 100, "wealth": 1000, "fund": 100, "insurance": 1000, "bond": 100}
KEEP_P = {
    "time": 0.2,
    "wealth": 0.1,
    "fund": 0.1,
    "insurance": 0.7,
    "bond": 0.4,
    "metal": 0.1,
    "custody": 0.1,
    "demand": 1.0,
}
TERM = np.array([p.term_days or 0 for p in PRODUCTS])
MIN_FEN = np.array([(p.min_yuan or 0) * 100 for p in PRODUCTS], dtype=np.int64)


@dataclass
class Slots:
    cust: I64
    cls: I64  # index into CLASSES
    product: I64
    value: I64  # fen at the first observed day
    first: I32  # opening day of the first account
    exit: I32  # day the customer takes the money out (drift, closure) or NEVER
    purchase: npt.NDArray[np.bool_]  # bought during the simulation (a purchase transaction)

    def take(self, idx: npt.NDArray[np.integer]) -> Slots:
        return Slots(*(getattr(self, f.name)[idx] for f in fields(self)))

    @staticmethod
    def concat(parts: list[Slots]) -> Slots:
        return Slots(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Slots)))


def _modifiers(age: I64) -> npt.NDArray[np.float64]:
    """Age makes bonds (older), custody (working age) and insurance (mid-life) more likely."""
    mod = np.ones((len(CLASSES), len(age)))
    mod[4] = np.where(age >= 55, 1.6, 0.6)
    mod[6] = np.where((age >= 28) & (age <= 58), 1.3, 0.5)
    mod[3] = np.where((age >= 35) & (age <= 65), 1.2, 0.7)
    return mod


def _shares(rng: Rng, level_yuan: npt.NDArray[np.float64], age: I64) -> npt.NDArray[np.float64]:
    """(classes, k) share of the level held in each class; the demand account keeps ≥ 10%."""
    k = len(level_yuan)
    lb = np.searchsorted(LEVEL_EDGES_YUAN, level_yuan, side="right")
    hold = rng.random((len(CLASSES), k)) < HOLD_P[:, lb] * _modifiers(age)
    g = rng.gamma(SHARE_SHAPE[:, None], 1.0, (len(CLASSES), k)) * hold
    total = g.sum(0) + rng.gamma(DEMAND_SHAPE[lb], 1.0)
    share = g / total
    scale = np.minimum(1.0, 0.9 / np.maximum(share.sum(0), 1e-12))
    return np.asarray(share * scale, dtype=np.float64)


def _product(rng: Rng, c: str, age: I64, value: I64) -> I64:
    opts = CHOICES[c]
    codes = np.array([PRODUCT_INDEX[code] for code, _, _ in opts])
    young = codes[weighted(rng, [w for _, w, _ in opts], len(age))]
    old = codes[weighted(rng, [w for _, _, w in opts], len(age))]
    prod = np.where(age >= 65, old, young)
    if c == "time":  # 大额存单 from 20万
        cd = np.where(rng.random(len(age)) < 0.6, PRODUCT_INDEX["CD12"], PRODUCT_INDEX["CD36"])
        prod = np.where((value >= 20_000_000) & (rng.random(len(age)) < 0.5), cd, prod)
    return prod


def allocate(rng: Rng, bk: Book, who: I64, level: I64, first: I32, purchase: bool) -> Slots:
    """Slots of customers `who` holding `level` fen in investments opened on `first`."""
    level_yuan = level / 100.0
    share = _shares(rng, level_yuan, bk.age[who])
    parts = []
    for ci, c in enumerate(CLASSES):
        holders = np.flatnonzero(share[ci] > 0)
        count = 1 + sum(
            (level_yuan[holders] > at) & (rng.random(len(holders)) < 0.7)
            for at in EXTRA_SLOT_AT_YUAN.get(c, ())
        )
        rows = np.repeat(holders, count)
        w = rng.gamma(2.0, 1.0, len(rows))
        w /= np.bincount(np.searchsorted(holders, rows), w)[np.searchsorted(holders, rows)]
        value = share[ci, rows] * level[rows] * w
        step = ROUND_YUAN.get(c, 0.01) * 100
        value = (np.floor(value / step) * step).astype(np.int64)
        prod = _product(rng, c, bk.age[who[rows]], value)
        keep = value >= np.maximum(MIN_FEN[prod], 100)
        if purchase and c == "demand":  # new money lands in the main 活期 account instead
            keep[:] = False
        rows, value, prod = rows[keep], value[keep], prod[keep]
        k = len(rows)
        parts.append(
            Slots(
                who[rows],
                np.full(k, ci),
                prod,
                value,
                first[rows],
                np.full(k, NEVER, np.int32),
                np.full(k, purchase),
            )
        )
    return Slots.concat(parts)


def exits(rng: Rng, tl: Timeline, bk: Book, s: Slots) -> None:
    """Drifters take most money out between the drift start and `end`; closers take all of it."""
    c = s.cust
    closing = bk.closed[c] <= tl.end
    leaving = (bk.traj[c] == DRIFT) | closing
    lo = np.where(bk.traj[c] == DRIFT, bk.change_day[c], bk.closed[c]).astype(np.int64)
    hi = np.minimum(bk.closed[c], tl.end).astype(np.int64)
    day = lo + (rng.random(len(c)) * np.maximum(hi - lo + 1, 1)).astype(np.int64)
    keep_p = np.array([KEEP_P[x] for x in CLASSES])[s.cls]
    kept = leaving & ~closing & (rng.random(len(c)) < keep_p)
    # What a drifter keeps must stay well under the AUM it ends with; otherwise it all goes.
    kept_sum = np.bincount(c, s.value * kept, minlength=bk.n)
    over = kept_sum > 0.8 * bk.end_fen
    # A second 活期 has no transactions of its own: it is kept, or emptied and closed at 0.
    second = s.cls == CLASSES.index("demand")
    kept = (kept & ~over[c]) | (second & ~closing)
    s.exit = np.where(leaving & ~kept, np.minimum(day, hi), NEVER).astype(np.int32)
    # A dormant account to be closed is already empty: it closes without a transaction.
    s.value = np.where(closing & (s.cls == CLASSES.index("demand")), 0, s.value)
