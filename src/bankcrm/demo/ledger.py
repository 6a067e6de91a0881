"""The main 活期 account, day by day: post every transaction, keep the balance ≥ 0, record it.

Per period (a calendar month) the ledger first sets a budget: given the opening balance, the
committed flows (income, maturities, purchases, repayments) and the month-end target (the AUM
path minus what sits in investments), it scales everyday spending toward the target and books a
transfer for what spending cannot absorb: money leaving for other banks when a drifter winds
down, money arriving when a grower brings assets in. Then it walks the days in order: money in
first, committed payments next, discretionary spending scaled down if the balance is short. The
balance row of a day is the account's closing balance, so balances are exactly the running sum
of the account's transactions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.demo import flows
from bankcrm.demo import txns as tx
from bankcrm.demo.customers import DRIFT, GROW, Book
from bankcrm.demo.flows import Ctx, channels, window
from bankcrm.demo.holdings import Holdings
from bankcrm.demo.timeline import I64, Period, Timeline

Rng = np.random.Generator
F64 = npt.NDArray[np.float64]
Tops = tuple[I64, I64, I64]  # top-ups from the customer's other bank: customers, amounts, days
WAN = 1_000_000  # 1万元 in fen


@dataclass
class Ledger:
    txns: tx.Txns  # sorted by (day, customer, priority)
    bal_cust: I64  # balance rows of the main demand account
    bal_day: npt.NDArray[np.int32]
    bal_value: I64
    end_balance: I64  # closing balance on `end`


def _total(cust: I64, amount: I64, n: int) -> F64:
    """Σ amount per customer. A weighted bincount sums in float64, exact below 2**53 fen."""
    return np.asarray(np.bincount(cust, amount, minlength=n), dtype=np.float64)


def _sums(n: int, fixed: tx.Txns, flex: tx.Txns) -> tuple[F64, F64, F64]:
    ins = _total(fixed.cust, fixed.amount * (fixed.prio == tx.IN), n)
    outs = _total(fixed.cust, fixed.amount * (fixed.prio != tx.IN), n)
    spend = _total(flex.cust, flex.amount, n)
    return ins, outs, spend


def _budget(
    rng: Rng,
    p: Period,
    last: bool,
    bk: Book,
    ctx: Ctx,
    b: I64,
    target: I64,
    fixed: tx.Txns,
    flex: tx.Txns,
    vocab: tx.Vocab,
) -> tx.Txns:
    """Scale `flex` in place toward the month-end target; return the balancing transfers."""
    n = bk.n
    lo, hi = window(p, bk)
    steer = (hi >= lo) & (bk.closed > p.hi)
    ins, outs, spend = _sums(n, fixed, flex)
    gap = b + ins - outs - spend - target
    f = np.clip(1 + (1.0 if last else 0.5) * gap / np.maximum(spend, 1), 0.3, 2.5)
    f = np.where(steer & (spend > 0), f, 1.0)
    flex.amount = np.maximum(np.rint(flex.amount * f[flex.cust]), 1).astype(np.int64)
    spend = _total(flex.cust, flex.amount, n)
    _after_payday(rng, b < spend, fixed, flex, hi)
    gap = b + ins - outs - spend - target
    if last:  # land close to the target on `end`: it fixes the customer's AUM band
        tau = np.maximum(100_000, 0.05 * target)
    else:
        tau = np.maximum(2 * WAN // 10, 0.3 * np.maximum(target, bk.income_fen))
    out_i = np.flatnonzero(steer & (gap > tau))
    in_i = np.flatnonzero(steer & (gap < -tau))
    is_in = fixed.prio == tx.IN
    last_in = np.full(n, -1, np.int64)
    np.maximum.at(last_in, fixed.cust[is_in], fixed.day[is_in].astype(np.int64))
    return tx.concat(
        [
            _transfers(rng, bk, ctx, vocab, out_i, gap[out_i], lo, hi, last_in, out=True),
            _transfers(rng, bk, ctx, vocab, in_i, -gap[in_i], lo, hi, last_in, out=False),
        ]
    )


def _after_payday(
    rng: Rng, tight: npt.NDArray[np.bool_], fixed: tx.Txns, flex: tx.Txns, hi: I64
) -> None:
    """Who cannot cover the month's spending from the balance spends after money comes in."""
    is_in = fixed.prio == tx.IN
    first_in = np.full(len(tight), np.iinfo(np.int64).max)
    np.minimum.at(first_in, fixed.cust[is_in], fixed.day[is_in].astype(np.int64))
    c = flex.cust
    move = np.flatnonzero(tight[c] & (flex.day < first_in[c]) & (first_in[c] <= hi[c]))
    c = c[move]
    span = hi[c] - first_in[c] + 1
    flex.day[move] = first_in[c] + (rng.random(len(move)) * span).astype(np.int64)


def _pieces(rng: Rng, who: I64, amount: npt.NDArray[np.float64]) -> tuple[I64, I64, I64]:
    """Split large amounts into 1-3 transfers, round figures except the remainder."""
    k = 1 + (amount > 5 * WAN) * (rng.random(len(who)) < 0.6) + (amount > 50 * WAN)
    rows = np.repeat(np.arange(len(who)), k)
    first = np.r_[True, rows[1:] != rows[:-1]] if len(rows) else np.zeros(0, bool)
    share = rng.uniform(0.3, 0.7, len(rows))
    part = np.floor(amount[rows] * share / (k[rows] * 10_000)) * 10_000 * 1.0
    part = np.where(first, 0, part)
    rest = amount - np.bincount(rows, part, minlength=len(who))
    part = np.where(first, rest[rows], part)
    seq = np.arange(len(rows)) - np.repeat(np.cumsum(k) - k, k)
    return rows, np.rint(part).astype(np.int64), seq


def _transfers(
    rng: Rng,
    bk: Book,
    ctx: Ctx,
    vocab: tx.Vocab,
    who: I64,
    amount: npt.NDArray[np.float64],
    lo: I64,
    hi: I64,
    last_in: I64,
    *,
    out: bool,
) -> tx.Txns:
    """Transfers to or from other banks (mostly the customer's own account there)."""
    rows, part, seq = _pieces(rng, who, amount)
    c = who[rows]
    span = hi[c] - lo[c]
    if out:  # after the money has arrived: late in the month, after the last inflow
        day = np.maximum(
            lo[c] + (span * rng.uniform(0.4, 1.0, len(c))).astype(np.int64), last_in[c]
        )
        day = np.minimum(day + seq * rng.integers(0, 3, len(c)), hi[c])
    else:  # early, before the purchases it funds
        day = np.minimum(lo[c] + seq * rng.integers(0, 3, len(c)), hi[c])
    drift = bk.traj[c] == DRIFT
    grow = bk.traj[c] == GROW
    own_p = np.where(drift, 0.7, np.where(grow, 0.6, 0.45))
    own = rng.random(len(c)) < own_p
    bank, acct = tx.other_bank_accounts(rng, len(c))
    company = grow & ~own & ~np.asarray(out)
    name = np.where(
        own,
        tx.OWN_NAME,
        np.where(
            company,
            rng.integers(vocab.employers.start, vocab.employers.stop, len(c)),
            ctx.fam_name[c],
        ),
    )
    bank = np.where(own, ctx.own_bank[c], np.where(company, bank, ctx.fam_bank[c]))
    acct = np.where(own, ctx.own_acct[c], np.where(company, acct, ctx.fam_acct[c]))
    memo = np.where(bank > 0, tx.MEMO["转出至他行" if out else "他行转入"], tx.MEMO["转账"])
    prio = tx.FLEX_OUT if out else tx.IN
    return tx.make(
        c, day, part, prio, "transfer", channels(rng, bk, c, "transfer"), memo, name, acct, bank
    )


def _open_close(
    rng: Rng, p: Period, bk: Book, ctx: Ctx, target: I64, fixed: tx.Txns, flex: tx.Txns
) -> tx.Txns:
    """开户存入 on a new customer's first day (enough for the month); 销户 sweeps a closing account."""
    new = np.flatnonzero((bk.opened >= p.lo) & (bk.opened <= p.hi))
    ins, outs, spend = _sums(bk.n, fixed, flex)
    need = (outs + spend - ins + target)[new]
    first = np.maximum(need, rng.integers(100, 50_000, len(new)) * 100)
    cash = bk.age[new] >= 50
    opening = tx.make(
        new,
        bk.opened[new],
        first,
        tx.IN,
        np.where(cash, tx.TYPE["cash"], tx.TYPE["transfer"]),
        "counter",
        "开户存入",
        np.where(cash, -1, tx.OWN_NAME),
        np.where(cash, -1, ctx.own_acct[new]),
        np.where(cash, -1, ctx.own_bank[new]),
    )
    gone = np.flatnonzero((bk.closed >= p.lo) & (bk.closed <= p.hi))
    closing = tx.make(
        gone,
        bk.closed[gone],
        0,
        tx.DRAIN,
        "transfer",
        "counter",
        "销户转出",
        tx.OWN_NAME,
        ctx.own_acct[gone],
        ctx.own_bank[gone],
    )
    return tx.concat([opening, closing])


def _post(p: Period, t: tx.Txns, b: I64) -> tuple[tx.Txns, list[tuple[I64, int, I64]], Tops | None]:
    """Walk the period's days in order; returns the posted txns, balance rows, injected top-ups.

    `t` must be sorted by (day, customer, priority). Discretionary outflows of a customer-day
    are scaled down to what the balance allows; should committed payments exceed it (rare), a
    top-up from the customer's other bank is booked first (returned: customers, amounts, days).
    """
    rows: list[tuple[I64, int, I64]] = []
    top_cust: list[I64] = []
    top_amt: list[I64] = []
    top_day: list[I64] = []
    bounds = np.searchsorted(t.day, np.arange(p.lo, p.hi + 2))
    amount = t.amount.copy()
    for d in range(p.lo, p.hi + 1):
        a, z = bounds[d - p.lo], bounds[d - p.lo + 1]
        if a == z:
            continue
        c, pr, amt = t.cust[a:z], t.prio[a:z], amount[a:z]
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        gc = c[starts]
        group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(c)]))
        ins = np.add.reduceat(np.where(pr == tx.IN, amt, 0), starts)
        fixed = np.add.reduceat(np.where(pr == tx.FIXED_OUT, amt, 0), starts)
        flex = np.add.reduceat(np.where(pr == tx.FLEX_OUT, amt, 0), starts)
        avail = b[gc] + ins - fixed
        short = avail < 0
        if short.any():
            top_cust.append(gc[short])
            top_amt.append(-avail[short])
            top_day.append(np.full(int(short.sum()), d, np.int64))
            avail = np.maximum(avail, 0)
        over = flex > avail
        if over.any():
            ratio = np.where(over, avail / np.maximum(flex, 1), 1.0)[group]
            scaled = np.floor(amt * ratio * (1 - 1e-12)).astype(np.int64)
            amt = np.where((pr == tx.FLEX_OUT) & over[group], scaled, amt)
            flex = np.add.reduceat(np.where(pr == tx.FLEX_OUT, amt, 0), starts)
        after = avail - flex
        drain = pr == tx.DRAIN
        amt = np.where(drain, after[group], amt)
        after = np.where(np.add.reduceat(drain.astype(np.int64), starts) > 0, 0, after)
        amount[a:z] = amt
        b[gc] = after
        moved = np.add.reduceat((amt > 0).astype(np.int64), starts) > 0
        rows.append((gc[moved], d, after[moved]))
    t.amount = amount
    tops = (
        (np.concatenate(top_cust), np.concatenate(top_amt), np.concatenate(top_day))
        if top_cust
        else None
    )
    return t, rows, tops


def _sorted(t: tx.Txns) -> tx.Txns:
    return t.take(np.lexsort((t.prio, t.cust, t.day)))


def _period(
    rng: Rng,
    tl: Timeline,
    pi: int,
    bk: Book,
    ctx: Ctx,
    b: I64,
    target: I64 | None,
    committed: tx.Txns,
    vocab: tx.Vocab,
) -> tx.Txns:
    """All transactions of one period before posting (amounts of spending still to be capped)."""
    p = tl.periods[pi]
    act = ctx.activity[:, pi]
    both = tx.concat(
        [committed, flows.income(rng, p, bk, ctx, vocab), flows.extras(rng, p, act, bk, ctx, b)]
    )
    fixed = both.take(both.prio != tx.FLEX_OUT)
    flex = tx.concat(
        [both.take(both.prio == tx.FLEX_OUT), flows.spending(rng, p, act, bk, ctx, b, vocab)]
    )
    goal = np.zeros(bk.n, np.int64) if target is None else target
    oc = _open_close(rng, p, bk, ctx, goal, fixed, flex)
    fixed = tx.concat([fixed, oc.take(oc.prio == tx.IN)])
    parts = [fixed, flex, oc.take(oc.prio == tx.DRAIN)]
    if target is not None:
        last = p.hi == tl.end
        parts.append(_budget(rng, p, last, bk, ctx, b, target, fixed, flex, vocab))
    return _sorted(tx.concat(parts))


def _settle_end(
    rng: Rng, p: Period, bk: Book, ctx: Ctx, b: I64, target: I64, t: tx.Txns, vocab: tx.Vocab
) -> tx.Txns:
    """Spending held back by a short balance leaves the account after the last posting of `end`'s
    month (a drifter's to another bank), so the month closes on its target."""
    lo, hi = window(p, bk)
    left = b - target
    who = np.flatnonzero(
        (hi >= lo) & (bk.closed > p.hi) & (left > np.maximum(100_000, 0.05 * target))
    )
    last = np.full(bk.n, -1, np.int64)
    np.maximum.at(last, t.cust, t.day.astype(np.int64))
    day = np.clip(hi[who] - rng.integers(0, 3, len(who)), np.maximum(last[who], lo[who]), hi[who])
    drift = bk.traj[who] == DRIFT
    moved = _transfers(
        rng, bk, ctx, vocab, who[drift], left[who[drift]] * 1.0, lo, hi, last, out=True
    )
    moved.day = np.maximum(moved.day, last[moved.cust]).astype(np.int32)
    s = who[~drift]
    shop = rng.integers(vocab.merchants.start, vocab.merchants.stop, len(s))
    spent = tx.make(
        s,
        day[~drift],
        left[s],
        tx.FLEX_OUT,
        "card_spend",
        channels(rng, bk, s, "spend"),
        "消费",
        shop,
    )
    return tx.concat([moved, spent])


def _top_ups(c: I64, amount: I64, day: I64, ctx: Ctx) -> tx.Txns:
    return tx.make(
        c,
        day,
        amount,
        tx.IN,
        "transfer",
        "mobile",
        "他行转入",
        tx.OWN_NAME,
        ctx.own_acct[c],
        ctx.own_bank[c],
    )


def simulate(
    rng: Rng, tl: Timeline, bk: Book, h: Holdings, committed: tx.Txns, ctx: Ctx, vocab: tx.Vocab
) -> Ledger:
    """Run every period; `committed` holds the dated flows of investments and loans."""
    n = bk.n
    targets = np.maximum(bk.targets - h.values_at(tl.month_ends, n), 0)
    old = bk.opened < tl.start
    start_value = h.values_at(np.array([tl.start], np.int32), n)[:, 0]
    b = np.where(old, np.maximum(bk.start_fen - start_value, 0), 0).astype(np.int64)
    b_init = b.copy()
    committed = committed.take(np.argsort(committed.day, kind="stable"))
    cut = np.searchsorted(committed.day, [p.lo for p in tl.periods] + [tl.horizon + 1])
    parts: list[tx.Txns] = []
    rows: list[tuple[I64, int, I64]] = []
    end_balance = b.copy()
    for pi, p in enumerate(tl.periods):
        mine = committed.take(np.arange(cut[pi], cut[pi + 1]))
        target = targets[:, pi] if p.history else None
        t = _period(rng, tl, pi, bk, ctx, b, target, mine, vocab)
        before = b.copy()
        t, r, tops = _post(p, t, b)
        extra = [] if tops is None else [_top_ups(*tops, ctx)]  # rare: a payment beyond the balance
        if p.hi == tl.end:
            extra.append(_settle_end(rng, p, bk, ctx, b, targets[:, pi], t, vocab))
        if extra:  # post the period again with the extra transactions booked
            b[:] = before
            t, r, _ = _post(p, _sorted(tx.concat([t, *extra])), b)
        parts.append(t.take(t.amount > 0))
        rows += r
        if p.hi == tl.end:
            end_balance = b.copy()
    cust = np.concatenate([r[0] for r in rows] + [np.zeros(0, np.int64)])
    day = np.concatenate(
        [np.full(len(r[0]), r[1], np.int32) for r in rows] + [np.zeros(0, np.int32)]
    )
    value = np.concatenate([r[2] for r in rows] + [np.zeros(0, np.int64)])
    # The opening snapshot: every account held on the first day has a row then.
    has_first = np.zeros(n, bool)
    has_first[cust[day == tl.start]] = True
    first = np.flatnonzero(old & ~has_first)
    cust = np.r_[first, cust]
    day = np.r_[np.full(len(first), tl.start, np.int32), day]
    value = np.r_[b_init[first], value]
    return Ledger(tx.concat(parts), cust, day, value, end_balance)
