"""Mobile-banking activity (the optional `digital_events` table): logins, product views, transfers.

History months are aggregated on the month's last day; the daily tail has one row per day. A
drifter's activity multiplier fades after the drift start, so its logins fall with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.demo import txns as tx
from bankcrm.demo.customers import Book
from bankcrm.demo.flows import Ctx, window
from bankcrm.demo.timeline import I64, Timeline

EVENTS = ("login", "view_product", "transfer")


@dataclass
class Digital:
    cust: I64
    day: npt.NDArray[np.int32]
    event: npt.NDArray[np.int8]
    count: I64


def _slots(tl: Timeline) -> list[tuple[int, int, int]]:
    """(period index, first day, day the row is dated) of every row date."""
    out = []
    for pi, p in enumerate(tl.periods):
        if p.history:
            out.append((pi, p.lo, p.hi))
        else:
            out += [(pi, d, d) for d in range(p.lo, p.hi + 1)]
    return out


def digital_events(
    rng: np.random.Generator, tl: Timeline, bk: Book, ctx: Ctx, t: tx.Txns
) -> Digital:
    """Counts per customer and row date; rows with a zero count are left out."""
    youth = np.clip((78 - bk.age) / 40, 0.15, 1.2)
    rate = np.where(bk.e_banking, rng.gamma(2.0, 5.0, bk.n) * youth, 0.0)
    online = (t.ttype == tx.TYPE["transfer"]) & (t.prio != tx.IN)
    online &= (t.channel == tx.CHANNEL["mobile"]) | (t.channel == tx.CHANNEL["online"])
    cust, day = t.cust[online], t.day[online].astype(np.int64)
    parts = []
    for pi, first, dated in _slots(tl):
        p = tl.periods[pi]
        lo, hi = window(p, bk)
        lo, hi = np.maximum(lo, first), np.minimum(hi, dated)
        span = np.clip(hi - lo + 1, 0, None) / 30
        logins = rng.poisson(rate * ctx.activity[:, pi] * span)
        views = rng.binomial(logins, 0.3)
        sel = (day >= first) & (day <= dated)
        moves = np.bincount(cust[sel], minlength=bk.n)
        for e, counts in enumerate((logins, views, moves)):
            who = np.flatnonzero(counts > 0)
            parts.append(
                (
                    who,
                    np.full(len(who), dated, np.int32),
                    np.full(len(who), e, np.int8),
                    counts[who],
                )
            )
    cols = [np.concatenate([p[i] for p in parts]) for i in range(4)]
    order = np.lexsort((cols[2], cols[0], cols[1]))
    return Digital(*(c[order] for c in cols))
