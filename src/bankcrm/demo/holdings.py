"""Investment accounts: their lifecycle, change-mode balances and the money they move.

Term products (定期, 大额存单, closed-ended 理财, 国债) form chains: at maturity a stable customer
usually rolls over (定期 auto-renews with interest capitalised; 理财 pays out and is bought again),
a drifter lets it lapse and the money lands in the demand account. Open-ended holdings (funds,
现金管理类理财, insurance cash value, 积存金, 三方存管 margin, a second 活期) are revalued on a
grid (weekly NAV, month-end accrual, trade days) until the customer exits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.demo import txns as tx
from bankcrm.demo.catalog import PRODUCTS
from bankcrm.demo.customers import DRIFT, GROW, STABLE, Book
from bankcrm.demo.market import Market
from bankcrm.demo.slots import CLASSES, TERM, Slots, allocate, exits
from bankcrm.demo.timeline import I32, I64, NEVER, Timeline

Rng = np.random.Generator
Days = npt.NDArray[np.integer]  # day numbers of any integer width
RATE = np.array([p.rate_micro if p.rate_micro is not None else -1 for p in PRODUCTS])
ASSET_CLASS = [p.asset_class for p in PRODUCTS]
_C = {c: i for i, c in enumerate(CLASSES)}
# Per class: (memo of a purchase, memo of a pay-out, label of the counterparty).
MEMO = {
    "time": ("转存定期", "定期到期转活期", "本行"),
    "wealth": ("理财申购", "理财到期兑付", "本行理财"),
    "fund": ("基金申购", "基金赎回", "本行基金代销"),
    "insurance": ("保险缴费", "退保", "本行保险代理"),
    "bond": ("国债认购", "国债兑付", "储蓄国债"),
    "metal": ("积存金买入", "积存金卖出", "积存金业务"),
    "custody": ("银转证", "证转银", ""),
    "demand": ("账户互转", "账户互转", "本行"),
}


@dataclass
class Holdings:
    cust: I64
    product: I64
    opened: I32
    maturity: I32  # NEVER: none
    closed: I32  # NEVER: open on the horizon
    ev_acct: I64  # balance rows: account (index into the arrays above), day, value in fen
    ev_day: I32
    ev_value: I64
    flows: tx.Txns

    def values_at(self, days: I32, n_cust: int) -> npt.NDArray[np.int64]:
        """(customers, days): Σ carried-forward balance of each customer's holdings on each day."""
        keys = (self.ev_acct << 32) | self.ev_day.astype(np.int64)
        acct = np.arange(len(self.cust), dtype=np.int64)
        out = np.zeros((n_cust, len(days)), dtype=np.int64)
        for j, d in enumerate(days):
            i = np.searchsorted(keys, (acct << 32) | int(d), side="right") - 1
            ok = (i >= 0) & (self.ev_acct[np.maximum(i, 0)] == acct)
            v = np.where(ok, self.ev_value[np.maximum(i, 0)], 0)
            out[:, j] = np.rint(np.bincount(self.cust, v, minlength=n_cust)).astype(np.int64)
        return out


class _Acc:
    """Accumulates accounts, balance rows and flows while the generators run."""

    def __init__(self) -> None:
        self.accts: list[tuple[np.ndarray, ...]] = []
        self.events: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.flows: list[tx.Txns] = []
        self.count = 0

    def open(self, cust: I64, prod: I64, opened: Days, maturity: Days, closed: Days) -> I64:
        """Register accounts (any integer day arrays; `build` fixes the dtypes); their ids."""
        ids = np.arange(self.count, self.count + len(cust), dtype=np.int64)
        self.count += len(cust)
        self.accts.append((cust, prod, opened, maturity, closed))
        return ids

    def event(self, acct: I64, day: npt.ArrayLike, value: npt.ArrayLike) -> None:
        n = len(acct)
        d = np.broadcast_to(np.asarray(day, dtype=np.int32), (n,))
        v = np.broadcast_to(np.asarray(value, dtype=np.int64), (n,))
        self.events.append((acct, d, v))

    def build(self) -> Holdings:
        cols = [np.concatenate([a[i] for a in self.accts]) for i in range(5)]
        acct, day, value = (np.concatenate([e[i] for e in self.events]) for i in range(3))
        # One row per (account, day); rows were appended in time order, so the last one wins.
        order = np.lexsort((np.arange(len(acct)), day, acct))
        acct, day, value = acct[order], day[order], value[order]
        last = np.ones(len(acct), dtype=bool)
        last[:-1] = (acct[1:] != acct[:-1]) | (day[1:] != day[:-1])
        return Holdings(
            cols[0].astype(np.int64),
            cols[1].astype(np.int64),
            cols[2].astype(np.int32),
            cols[3].astype(np.int32),
            cols[4].astype(np.int32),
            acct[last],
            day[last],
            value[last],
            tx.concat(self.flows),
        )


def _channel(bk: Book, cust: I64) -> npt.NDArray[np.int8]:
    young = bk.e_banking[cust] & (bk.age[cust] < 60)
    return np.where(young, tx.CHANNEL["mobile"], tx.CHANNEL["counter"]).astype(np.int8)


def _label(vocab: tx.Vocab, cls: I64, which: int) -> npt.NDArray[np.int32]:
    table = np.array([vocab.label(MEMO[c][2]) if MEMO[c][2] else -1 for c in CLASSES])
    return table[cls].astype(np.int32)


def _memo(cls: I64, which: int) -> npt.NDArray[np.int8]:
    return np.array([tx.MEMO[MEMO[c][which]] for c in CLASSES], dtype=np.int8)[cls]


def _buy(acc: _Acc, bk: Book, vocab: tx.Vocab, s: Slots, day: I32, amount: I64) -> None:
    ttype = np.where(s.cls == _C["custody"], tx.TYPE["transfer"], tx.TYPE["purchase"])
    bank = np.where(s.cls == _C["custody"], 0, -1)
    acc.flows.append(
        tx.make(
            s.cust,
            day,
            amount,
            tx.FIXED_OUT,
            ttype,
            _channel(bk, s.cust),
            _memo(s.cls, 0),
            _label(vocab, s.cls, 0),
            -1,
            bank,
        )
    )


def _pay_out(
    acc: _Acc, vocab: tx.Vocab, s: Slots, day: Days, amount: I64, memo: npt.NDArray[np.integer]
) -> None:
    ttype = np.where(s.cls == _C["custody"], tx.TYPE["transfer"], tx.TYPE["redemption"])
    bank = np.where(s.cls == _C["custody"], 0, -1)
    acc.flows.append(
        tx.make(s.cust, day, amount, tx.IN, ttype, "auto", memo, _label(vocab, s.cls, 1), -1, bank)
    )


def _interest(principal: I64, rate_micro: I64, days: I64) -> I64:
    """Simple interest in fen (rounded half up; the float is exact at these magnitudes)."""
    return np.floor(principal * (rate_micro / 1e8) * days / 365 + 0.5).astype(np.int64)


def _chains(rng: Rng, tl: Timeline, bk: Book, vocab: tx.Vocab, s: Slots, acc: _Acc) -> None:
    """Term products: one account per link; roll over, lapse at maturity, or leave early."""
    term = TERM[s.product].astype(np.int64)
    rate = np.maximum(RATE[s.product], 0)
    wealth = s.cls == _C["wealth"]
    # A 理财 issue's realised yield scatters around its benchmark.
    yld = np.where(wealth, rate * rng.uniform(0.75, 1.1, len(s.cust)), rate)
    renew_p = np.where(bk.traj[s.cust] == GROW, 0.9, 0.8) * (s.cls != _C["bond"])
    if s.purchase.any():
        _buy(
            acc,
            bk,
            vocab,
            s.take(np.flatnonzero(s.purchase)),
            s.first[s.purchase],
            s.value[s.purchase],
        )
    idx = np.arange(len(s.cust))
    opened, principal = s.first.astype(np.int64), s.value.copy()
    while len(idx):
        c, t = s.cust[idx], opened + term[idx]
        early = s.exit[idx] < t
        close = np.where(early, s.exit[idx], np.where(t <= tl.horizon, t, NEVER))
        # Drifters stop rolling over once they have decided to leave.
        staying = (bk.traj[c] != DRIFT) | (t < bk.change_day[c])
        renew = ~early & (t <= tl.horizon) & staying & (t < bk.closed[c])
        renew &= rng.random(len(idx)) < renew_p[idx]
        ids = acc.open(c, s.product[idx], opened, t, close)
        acc.event(ids, np.maximum(opened, tl.start), principal)
        _accrue(tl, acc, ids, opened, close, principal, yld[idx] * wealth[idx])
        shut = close <= tl.horizon
        acc.event(ids[shut], close[shut], 0)
        held = np.where(early, close - opened, term[idx])
        gain = np.where(
            early,
            _interest(principal, np.full(len(idx), 50_000), held),
            _interest(principal, yld[idx], held),
        )
        _settle(acc, vocab, s.take(idx), close, principal, gain, early, renew, shut)
        nxt = np.where(wealth[idx], principal, principal + gain)  # 定期 capitalises interest
        idx, opened, principal = idx[renew], t[renew], nxt[renew]


def _settle(
    acc: _Acc,
    vocab: tx.Vocab,
    s: Slots,
    day: np.ndarray,
    principal: I64,
    gain: I64,
    early: np.ndarray,
    renew: np.ndarray,
    shut: np.ndarray,
) -> None:
    """Money back to the demand account when a link ends (and a new 理财 purchase on renewal)."""
    wealth = s.cls == _C["wealth"]
    out = shut & (~renew | wealth)
    memo = np.where(early, tx.MEMO["提前支取"], _memo(s.cls, 1))
    sep = out & ~wealth  # 定期/国债: principal and interest post separately
    i = np.flatnonzero(out)
    amount = np.where(sep[i], principal[i], principal[i] + gain[i])
    _pay_out(acc, vocab, s.take(i), day[i], amount, memo[i])
    j = np.flatnonzero(sep & (gain > 0))
    acc.flows.append(
        tx.make(s.cust[j], day[j], gain[j], tx.IN, "interest", "auto", "定期利息", -1, -1, -1)
    )
    k = np.flatnonzero(shut & renew & wealth)
    acc.flows.append(
        tx.make(
            s.cust[k],
            day[k],
            principal[k],
            tx.FIXED_OUT,
            "purchase",
            "auto",
            "理财申购",
            vocab.label("本行理财"),
        )
    )


def _accrue(
    tl: Timeline,
    acc: _Acc,
    ids: I64,
    opened: np.ndarray,
    close: np.ndarray,
    principal: I64,
    yld: np.ndarray,
) -> None:
    """Month-end valuations of closed-ended 理财 (benchmark accrual); none for 定期/国债."""
    sel = np.flatnonzero(yld > 0)
    grid = tl.grid("month")
    first = np.maximum(opened[sel], tl.start)
    rows, days = _grid_rows(grid, first, close[sel])
    held = days - opened[sel][rows]
    value = principal[sel][rows] * (1 + yld[sel][rows] / 1e8 * held / 365)
    acc.event(ids[sel][rows], days, np.rint(value))


def _grid_rows(grid: I32, lo: np.ndarray, hi: np.ndarray) -> tuple[I64, I32]:
    """For each window (lo, hi) exclusive: (window index, grid day) of the grid days inside."""
    a = np.searchsorted(grid, lo, side="right")
    b = np.searchsorted(grid, np.minimum(hi, grid[-1] + 1 if len(grid) else 0), side="left")
    count = np.maximum(b - a, 0)
    rows = np.repeat(np.arange(len(lo)), count)
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
    return rows, grid[np.repeat(a, count) + offset]


def _growth(
    tl: Timeline, s: Slots, obs: np.ndarray, day: np.ndarray, rows: I64, m: Market, yld: np.ndarray
) -> np.ndarray:
    """Value of one fen held from `obs` to `day` in slot `rows`' product."""
    cls, prod = s.cls[rows], s.product[rows]
    years = (day - obs[rows]) / 365
    fund = m.nav_on(prod, day) / m.nav_on(prod, obs[rows].astype(np.int32))
    gold = m.gold_on(day) / m.gold_on(obs[rows].astype(np.int32))
    accrue = (1 + yld[rows] / 1e8) ** years
    return np.select([cls == _C["fund"], cls == _C["metal"]], [fund, gold], accrue)


_GRID = {"fund": "week", "metal": "month", "wealth": "month", "insurance": "month"}


def _positions(
    rng: Rng, tl: Timeline, bk: Book, vocab: tx.Vocab, m: Market, s: Slots, acc: _Acc
) -> None:
    """Open-ended holdings: revalued on their grid until the customer exits."""
    n = len(s.cust)
    obs = np.maximum(s.first, tl.start).astype(np.int64)
    close = np.where(s.exit <= tl.horizon, s.exit, NEVER).astype(np.int64)
    term = TERM[s.product]
    maturity = np.where(term > 0, s.first.astype(np.int64) + term, NEVER)
    yld = np.maximum(RATE[s.product], 0) * rng.uniform(0.8, 1.1, n)
    ids = acc.open(s.cust, s.product, s.first, maturity.astype(np.int32), close.astype(np.int32))
    acc.event(ids, obs, s.value)
    for c, step in _GRID.items():
        sel = np.flatnonzero(s.cls == _C[c])
        rows, days = _grid_rows(tl.grid(step), obs[sel], close[sel])
        rows = sel[rows]
        acc.event(ids[rows], days, np.rint(s.value[rows] * _growth(tl, s, obs, days, rows, m, yld)))
    at_exit = np.rint(
        s.value * _growth(tl, s, obs, np.minimum(close, tl.horizon), np.arange(n), m, yld)
    ).astype(np.int64)
    cust = np.flatnonzero(s.cls == _C["custody"])
    at_exit[cust] = _trades(rng, tl, acc, ids[cust], obs[cust], close[cust], s.value[cust])
    if s.purchase.any():
        p = np.flatnonzero(s.purchase)
        _buy(acc, bk, vocab, s.take(p), s.first[p], s.value[p])
    out = np.flatnonzero(close <= tl.horizon)
    acc.event(ids[out], close[out], 0)
    paid = out[at_exit[out] > 0]
    _pay_out(acc, vocab, s.take(paid), close[paid], at_exit[paid], _memo(s.cls[paid], 1))


def _trades(
    rng: Rng, tl: Timeline, acc: _Acc, ids: I64, obs: np.ndarray, close: np.ndarray, value: I64
) -> I64:
    """三方存管 margin: changes on trade days (a random walk); returns the value at exit."""
    end = np.minimum(close, tl.horizon + 1)
    active = np.where(rng.random(len(ids)) < 0.4, 4.0, 0.5)
    count = rng.poisson(active * np.maximum(end - obs - 1, 0) / 30)
    rows = np.repeat(np.arange(len(ids)), count)
    span = np.maximum(end - obs - 1, 1)[rows]
    days = obs[rows] + 1 + (rng.random(len(rows)) * span).astype(np.int64)
    order = np.lexsort((days, rows))
    rows, days = rows[order], days[order]
    z = rng.normal(0.0, 0.06, len(rows))
    cs = np.cumsum(z)
    first = np.r_[True, rows[1:] != rows[:-1]] if len(rows) else np.zeros(0, bool)
    base = np.repeat(cs[first] - z[first], count[count > 0])
    vals = np.rint(value[rows] * np.exp(cs - base)).astype(np.int64)
    acc.event(ids[rows], days, vals)
    if not len(rows):  # no trade at all (a small bank, a short horizon): values stay
        return value
    last = np.full(len(ids), -1)
    last[rows] = np.arange(len(rows))  # the last write per account wins: its latest trade
    return np.where(last >= 0, vals[np.maximum(last, 0)], value)


def _base_slots(rng: Rng, tl: Timeline, bk: Book) -> Slots:
    """Holdings of customers who were already customers when the history starts."""
    old = bk.opened < tl.start
    level = np.where(bk.traj == STABLE, np.minimum(bk.start_fen, bk.end_fen), bk.start_fen)
    who = np.flatnonzero(old & (level > 0))
    s = allocate(rng, bk, who, level[who], bk.opened[who], purchase=False)
    term = TERM[s.product].astype(np.int64)
    back = np.where(term > 0, rng.random(len(term)) * term + 1, rng.integers(30, 1826, len(term)))
    s.first = np.maximum(tl.start - back.astype(np.int64), bk.opened[s.cust]).astype(np.int32)
    return s


def make_holdings(rng: Rng, tl: Timeline, bk: Book, vocab: tx.Vocab, m: Market) -> Holdings:
    """All investment accounts of a chunk, with their balance rows and demand-account flows."""
    parts = [_base_slots(rng, tl, bk)]
    new = np.flatnonzero((bk.opened >= tl.start) & (bk.end_fen > 0))
    first = np.minimum(bk.opened[new] + rng.integers(0, 11, len(new)), tl.horizon)
    parts.append(allocate(rng, bk, new, bk.end_fen[new], first.astype(np.int32), purchase=True))
    grow = np.flatnonzero((bk.traj == GROW) & (bk.end_fen > bk.start_fen))
    first = np.minimum(bk.change_day[grow] + rng.integers(1, 61, len(grow)), tl.end)
    level = bk.end_fen[grow] - bk.start_fen[grow]
    parts.append(allocate(rng, bk, grow, level, first.astype(np.int32), purchase=True))
    s = Slots.concat(parts)
    exits(rng, tl, bk, s)
    acc = _Acc()
    term = TERM[s.product] > 0
    _chains(rng, tl, bk, vocab, s.take(np.flatnonzero(term)), acc)
    _positions(rng, tl, bk, vocab, m, s.take(np.flatnonzero(~term)), acc)
    return acc.build()
