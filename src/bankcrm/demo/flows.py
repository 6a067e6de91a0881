"""Everyday money of one period: income, spending, interest and fees on the main 活期 account.

Spending is drawn as weights and scaled to a planned budget (most of the income), so a stable
customer's balance hovers instead of wandering; the ledger then steers it toward its target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.demo import txns as tx
from bankcrm.demo.customers import BUSINESS, DRIFT, FAMILY, PENSION, SALARY, Book
from bankcrm.demo.liabilities import Cards
from bankcrm.demo.timeline import I32, I64, NEVER, Period, Timeline

Rng = np.random.Generator
F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]


@dataclass
class Ctx:
    """Per-customer constants of a chunk that every period uses."""

    own_bank: I8  # the customer's own account at another bank …
    own_acct: I64
    fam_name: npt.NDArray[np.int32]  # … and a family member's
    fam_bank: I8
    fam_acct: I64
    thrift: F64  # share of income spent
    credit_card: npt.NDArray[np.bool_]
    sms: npt.NDArray[np.bool_]
    salary_until: I32  # drifters may move their 代发 away
    activity: F64  # (customers, periods) multiplier of everyday transactions


def make_ctx(rng: Rng, tl: Timeline, bk: Book, cards: Cards, vocab: tx.Vocab) -> Ctx:
    n = bk.n
    own_bank, own_acct = tx.other_bank_accounts(rng, n)
    fam_bank, fam_acct = tx.other_bank_accounts(rng, n)
    at_home = rng.random(n) < 0.35  # family member banks with us
    fam_bank = np.where(at_home, 0, fam_bank).astype(np.int8)
    fam_acct = np.where(at_home, tx.own_bank_accounts(rng, n), fam_acct)
    fam_name = rng.integers(vocab.people.start, vocab.people.stop, n).astype(np.int32)
    cc = np.zeros(n, bool)
    cc[cards.cust[cards.credit & (cards.status == 0)]] = True
    moves = (bk.traj == DRIFT) & (bk.income_kind == SALARY) & (rng.random(n) < 0.5)
    until = np.where(moves, bk.change_day + rng.integers(20, 70, n), NEVER).astype(np.int32)
    return Ctx(
        own_bank,
        own_acct,
        fam_name,
        fam_bank,
        fam_acct,
        rng.uniform(0.75, 1.0, n),
        cc,
        rng.random(n) < 0.3,
        until,
        _activity(rng, tl, bk),
    )


def _activity(rng: Rng, tl: Timeline, bk: Book) -> F64:
    """Drifters fade from their drift start (to ~20% within 3 months); growers are livelier."""
    mid = np.array([(p.lo + p.hi) / 2 for p in tl.periods])
    months_in = (mid[None, :] - bk.change_day[:, None].astype(np.float64)) / 30
    fade = np.clip(1 - 0.27 * np.maximum(months_in + 0.5, 0), 0.2, 1)
    act = np.where((bk.traj == DRIFT)[:, None], fade, 1.0)
    act = np.where((bk.traj == 2)[:, None] & (months_in > 0), 1.15, act)
    return act * np.exp(rng.normal(0, 0.15, act.shape))


def window(p: Period, bk: Book) -> tuple[I64, I64]:
    """Each customer's active days in the period (lo > hi when not a customer then)."""
    lo = np.maximum(bk.opened.astype(np.int64), p.lo)
    hi = np.minimum(bk.closed.astype(np.int64), p.hi)
    return lo, hi


def _days(rng: Rng, lo: I64, hi: I64, rows: I64) -> I64:
    return lo[rows] + (rng.random(len(rows)) * (hi[rows] - lo[rows] + 1)).astype(np.int64)


def channels(rng: Rng, bk: Book, cust: I64, kind: str) -> I8:
    """Mobile for the young and e-banking users, counter for the elderly."""
    u = rng.random(len(cust))
    eb, old = bk.e_banking[cust], bk.age[cust] >= 65
    c = tx.CHANNEL
    if kind == "spend":
        return np.where(
            eb & (u < 0.5), c["mobile"], np.where(eb & (u < 0.6), c["online"], c["pos"])
        )
    if kind == "cash":
        return np.where(u < np.where(old, 0.4, 0.75), c["atm"], c["counter"]).astype(np.int8)
    counter_p = np.where(eb, np.where(old, 0.45, 0.12), 0.85)
    mobile = np.where(u < 0.88, c["mobile"], c["online"])
    return np.where(u < counter_p, c["counter"], np.where(eb, mobile, c["atm"])).astype(np.int8)


def _month_first(day: int) -> int:
    return int(np.datetime64(day, "D").astype("datetime64[M]").astype("datetime64[D]").astype(int))


def employer_accounts(employer: I64) -> I64:
    """A fixed 对公 account at our bank per employer (代发 comes from it)."""
    return 623688 * 10**13 + np.maximum(employer, 0) * 7919 + 101


def income(rng: Rng, p: Period, bk: Book, ctx: Ctx, vocab: tx.Vocab) -> tx.Txns:
    """Salary 代发 and pensions on their pay day; business takings; family support."""
    lo, hi = window(p, bk)
    pay = _month_first(p.lo) + bk.pay_day - 1
    kind = bk.income_kind
    regular = ((kind == SALARY) | (kind == PENSION)) & (pay >= lo) & (pay <= hi)
    i = np.flatnonzero(regular & (pay < ctx.salary_until))
    sal = kind[i] == SALARY
    bonus = np.where((p.month == 1) & sal & (rng.random(len(i)) < 0.4), 2.0, 1.0)
    wobble = np.where(sal, np.exp(rng.normal(0, 0.04, len(i))), 1.0)
    name = np.where(sal, vocab.employers.start + bk.employer[i], vocab.label("社保中心"))
    parts = [
        tx.make(
            i,
            pay[i],
            np.rint(bk.income_fen[i] * wobble * bonus),
            tx.IN,
            "salary",
            "auto",
            np.where(sal, tx.MEMO["代发工资"], tx.MEMO["养老金"]),
            name,
            employer_accounts(np.where(sal, bk.employer[i], 0)),
            0,
        )
    ]
    frac = np.clip((hi - lo + 1) / 30, 0, 1)
    for k, per_month, memo in ((BUSINESS, 3.0, "经营收入"), (FAMILY, 0.8, "家庭转账")):
        who = np.flatnonzero((kind == k) & (hi >= lo))
        rows = np.repeat(who, rng.poisson(per_month * frac[who]))
        amt = bk.income_fen[rows] / per_month * np.exp(rng.normal(0, 0.5, len(rows)))
        bank, acct = tx.other_bank_accounts(rng, len(rows))
        if k == BUSINESS:
            name = rng.integers(vocab.employers.start, vocab.employers.stop, len(rows))
        else:
            name, bank, acct = ctx.fam_name[rows], ctx.fam_bank[rows], ctx.fam_acct[rows]
        parts.append(
            tx.make(
                rows,
                _days(rng, lo, hi, rows),
                np.rint(amt),
                tx.IN,
                "transfer",
                channels(rng, bk, rows, "transfer"),
                memo,
                name,
                acct,
                bank,
            )
        )
    return tx.concat(parts)


def extras(rng: Rng, p: Period, act: F64, bk: Book, ctx: Ctx, b_start: I64) -> tx.Txns:
    """Red packets and refunds, 存现 by the elderly, quarterly 活期结息 and SMS fees."""
    lo, hi = window(p, bk)
    active = hi >= lo
    frac = np.clip((hi - lo + 1) / 30, 0, 1)
    lam = 0.12 * bk.spend_rate * act * frac * active
    rows = np.repeat(np.arange(bk.n), rng.poisson(lam))
    cash = bk.age[rows] >= 60
    amount = np.where(
        cash, rng.integers(5, 50, len(rows)) * 10_000, np.exp(rng.normal(8.5, 1.0, len(rows)))
    )
    memo = np.where(
        cash,
        tx.MEMO["存现"],
        np.where(rng.random(len(rows)) < 0.6, tx.MEMO["红包"], tx.MEMO["退款"]),
    )
    parts = [
        tx.make(
            rows,
            _days(rng, lo, hi, rows),
            np.rint(amount),
            tx.IN,
            np.where(cash, tx.TYPE["cash"], tx.TYPE["transfer"]),
            np.where(cash, tx.CHANNEL["counter"], tx.CHANNEL["mobile"]),
            memo,
        )
    ]
    day21 = _month_first(p.lo) + 20
    if p.month % 3 == 0:  # 活期 interest is settled on the 20th of each quarter's last month
        i = np.flatnonzero(active & (lo <= day21) & (hi >= day21))
        gain = np.floor(b_start[i] * 0.0005 * 90 / 360 + 0.5)
        i, gain = i[gain > 0], gain[gain > 0]
        parts.append(tx.make(i, day21, gain, tx.IN, "interest", "auto", "活期结息"))
    month_end = _month_first(p.hi + 1) - 1
    i = np.flatnonzero(ctx.sms & active & (hi == month_end) & (hi == p.hi) & (b_start >= 1000))
    parts.append(tx.make(i, p.hi, 200, tx.FIXED_OUT, "fee", "auto", "短信服务费"))
    return tx.concat(parts)


SPEND_KINDS = (  # kind, share of transactions, relative size
    ("card_spend", 0.58, 1.0),
    ("cash", 0.12, 6.0),
    ("transfer", 0.30, 8.0),
)


def spending(
    rng: Rng, p: Period, act: F64, bk: Book, ctx: Ctx, b_start: I64, vocab: tx.Vocab
) -> tx.Txns:
    """Everyday outgoings sized to a plan: most of the income, a little of the balance."""
    lo, hi = window(p, bk)
    active = hi >= lo
    frac = np.clip((hi - lo + 1) / 30, 0, 1)
    rows = np.repeat(np.arange(bk.n), rng.poisson(bk.spend_rate * act * frac * active))
    kind = np.searchsorted(np.cumsum([s for _, s, _ in SPEND_KINDS]), rng.random(len(rows)))
    kind = np.minimum(kind, len(SPEND_KINDS) - 1)
    weight = np.array([w for _, _, w in SPEND_KINDS])[kind] * np.exp(rng.normal(0, 0.9, len(rows)))
    # 信用卡 bills are debited on the 8th (or a new customer's first day after it); a period
    # that ends before the 8th (the daily tail) has none. Clipping the 8th to such a period's
    # last day used to book the whole month's bills on the tail's last day.
    eighth = _month_first(p.lo) + 7
    billed = ctx.credit_card & active & (hi >= eighth)
    cc = np.flatnonzero(billed & (rng.random(bk.n) < 0.85 * act))
    rows = np.r_[rows, cc]
    kind = np.r_[kind, np.full(len(cc), 3)]
    weight = np.r_[weight, 10 * np.exp(rng.normal(0, 0.5, len(cc)))]
    plan = ctx.thrift * bk.income_fen * frac * act + 0.01 * b_start
    total = np.bincount(rows, weight, minlength=bk.n)
    amount = np.maximum(np.rint(weight / np.maximum(total[rows], 1e-9) * plan[rows]), 100)
    cash = kind == 1
    amount = np.where(cash, np.maximum(np.rint(amount / 10_000), 1) * 10_000, amount)
    day = _days(rng, lo, hi, rows)
    day = np.where(kind == 3, np.maximum(eighth, lo[rows]), day)
    return _spend_txns(rng, bk, ctx, vocab, rows, kind, amount, day)


def _spend_txns(
    rng: Rng, bk: Book, ctx: Ctx, vocab: tx.Vocab, rows: I64, kind: I64, amount: F64, day: I64
) -> tx.Txns:
    """Counterparties: merchants for card spend, people (here or at other banks) for transfers."""
    n = len(rows)
    spend, cash, transfer, card = (kind == k for k in range(4))
    u = rng.random(n)
    bank, acct = tx.other_bank_accounts(rng, n)
    here = u < 0.35
    bank = np.where(here, 0, bank)
    acct = np.where(here, tx.own_bank_accounts(rng, n), acct)
    person = rng.integers(vocab.people.start, vocab.people.stop, n)
    own = (u > 0.85) & transfer  # to the customer's own card elsewhere
    name = np.select(
        [spend, transfer & own, transfer, card],
        [
            rng.integers(vocab.merchants.start, vocab.merchants.stop, n),
            tx.OWN_NAME,
            person,
            vocab.label("信用卡中心"),
        ],
        -1,
    )
    bank = np.select([transfer & own, transfer, card], [ctx.own_bank[rows], bank, 0], -1)
    acct = np.select([transfer & own, transfer], [ctx.own_acct[rows], acct], -1)
    ttype = np.select(
        [spend, cash, card],
        [tx.TYPE["card_spend"], tx.TYPE["cash"], tx.TYPE["repayment"]],
        tx.TYPE["transfer"],
    )
    ch = np.select(
        [spend, cash, card],
        [channels(rng, bk, rows, "spend"), channels(rng, bk, rows, "cash"), tx.CHANNEL["auto"]],
        channels(rng, bk, rows, "transfer"),
    )
    memo = np.select(
        [spend, cash, card],
        [tx.MEMO["消费"], tx.MEMO["取现"], tx.MEMO["信用卡还款"]],
        np.where(bank > 0, tx.MEMO["转出至他行"], tx.MEMO["转账"]),
    )
    return tx.make(rows, day, amount, tx.FLEX_OUT, ttype, ch, memo, name, acct, bank)
