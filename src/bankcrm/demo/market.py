"""Market prices shared by every customer: daily fund NAVs and the gold price over the simulation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.demo.catalog import PRODUCTS
from bankcrm.demo.timeline import Timeline

# Daily drift and volatility of a fund's NAV by risk level R1..R5.
_FUND_MU = {2: 0.00012, 3: 0.0002, 4: 0.00025, 5: 0.0003}
_FUND_SIGMA = {2: 0.0008, 3: 0.006, 4: 0.011, 5: 0.015}


@dataclass(frozen=True)
class Market:
    start: int  # day number of index 0
    nav: npt.NDArray[np.float64]  # (products, days): NAV of fund products, 1.0 elsewhere
    gold: npt.NDArray[np.float64]  # yuan per gram

    def nav_on(self, product: npt.NDArray[np.int64], day: npt.NDArray[np.int32]) -> np.ndarray:
        return self.nav[product, day.astype(np.int64) - self.start]

    def gold_on(self, day: npt.NDArray[np.int32]) -> np.ndarray:
        return self.gold[day.astype(np.int64) - self.start]


def make_market(rng: np.random.Generator, tl: Timeline) -> Market:
    days = tl.horizon - tl.start + 1
    nav = np.ones((len(PRODUCTS), days))
    for i, p in enumerate(PRODUCTS):
        if p.category == "fund":
            steps = rng.normal(_FUND_MU[p.risk], _FUND_SIGMA[p.risk], days)
            nav[i] = rng.uniform(0.9, 2.5) * np.exp(np.cumsum(steps))
    # Gold rallied through 2025-26: a strong upward drift with ~1% daily moves.
    gold = 620.0 * np.exp(np.cumsum(rng.normal(0.0012, 0.011, days)))
    return Market(tl.start, nav, gold)
