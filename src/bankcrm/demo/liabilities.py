"""Loans (annuity repayments, a few overdue) and cards (debit by wealth, credit by level)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.demo import txns as tx
from bankcrm.demo.catalog import PRODUCT_INDEX
from bankcrm.demo.customers import OWNER, Book
from bankcrm.demo.names import OCCUPATIONS, weighted
from bankcrm.demo.timeline import I32, I64, NEVER, Timeline

Rng = np.random.Generator
F64 = npt.NDArray[np.float64]
# code, P(per customer), principal median (yuan), σ, months (lo, hi), annual rate %
LOAN_KINDS = (
    ("LN01", 0.075, 900_000, 0.5, (240, 360), 3.10),
    ("LN02", 0.02, 1_200_000, 0.4, (240, 360), 2.85),
    ("LN03", 0.035, 80_000, 0.6, (12, 36), 4.20),
    ("LN04", 0.02, 600_000, 0.7, (12, 36), 3.60),
    ("LN05", 0.015, 150_000, 0.4, (36, 60), 3.90),
)


def month_no(days: npt.NDArray[np.integer]) -> I64:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def due_day(month: I64, dom: I64) -> I64:
    first = month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first + dom - 1


@dataclass
class Loans:
    cust: I64
    seq: I64  # per customer
    product: I64
    principal: I64  # fen
    opened: I32
    months: I64
    dom: I64  # repayment day of month
    payment: I64  # fen per month
    rate: F64  # monthly
    missed_from: I64  # due day of the first missed payment, NEVER if paid up

    def maturity(self) -> I64:
        return due_day(month_no(self.opened) + self.months, self.dom)

    def paid(self, day: int) -> I64:
        """Payments made by the end of `day` (stopping at the first missed one)."""
        k = month_no(np.full(len(self.cust), day)) - month_no(self.opened)
        k -= due_day(month_no(self.opened) + k, self.dom) > day
        k = np.clip(k, 0, self.months)
        missed = month_no(self.missed_from.clip(max=2**31 - 1)) - month_no(self.opened)
        return np.asarray(
            np.where(self.missed_from <= day, np.minimum(k, missed - 1), k), dtype=np.int64
        )

    def balance(self, k: I64, i: npt.NDArray[np.integer] | slice = slice(None)) -> I64:
        """Outstanding principal after k payments (of loans `i`)."""
        rate, pay = self.rate[i], self.payment[i]
        g = (1 + rate) ** k
        b = self.principal[i] * g - pay * (g - 1) / rate
        return np.where(k >= self.months[i], 0, np.maximum(np.rint(b), 0)).astype(np.int64)


def make_loans(rng: Rng, tl: Timeline, bk: Book) -> Loans:
    """Loans of customers aged 23-62 who are not about to close; ~3% of open ones overdue."""
    parts = []
    adult = (bk.age >= 23) & (bk.age <= 62) & (bk.closed > tl.horizon)
    owner = np.isin(np.asarray(OCCUPATIONS)[bk.occupation], list(OWNER))
    for code, p, median, sigma, (lo, hi), rate in LOAN_KINDS:
        boost = np.where(owner, 6.0, 0.6) if code == "LN04" else 1.0
        who = np.flatnonzero(adult & (rng.random(bk.n) < p * boost))
        k = len(who)
        months = rng.integers(lo // 12, hi // 12 + 1, k) * 12
        # Short loans may already be repaid (status closed); long ones are at most 10 years old.
        age_days = (rng.random(k) * np.minimum(months * 36, 3650)).astype(np.int64)
        opened = np.maximum(tl.end - age_days, bk.opened[who] + 30)
        principal = np.rint(median * np.exp(rng.normal(0, sigma, k)) / 1000) * 100_000
        r = rate / 1200 * rng.uniform(0.9, 1.15, k)
        pay = np.rint(principal * r / (1 - (1 + r) ** -months)).astype(np.int64)
        dom = np.clip(bk.opened[who] % 28 + 1, 1, 28)
        parts.append(
            (
                who,
                np.full(k, PRODUCT_INDEX[code]),
                principal.astype(np.int64),
                opened.astype(np.int32),
                months,
                dom.astype(np.int64),
                pay,
                r,
            )
        )
    cols = [np.concatenate([p[i] for p in parts]) for i in range(8)]
    order = np.lexsort((cols[3], cols[0]))
    cols = [c[order] for c in cols]
    seq = np.arange(len(order)) - np.searchsorted(cols[0], cols[0])
    loans = Loans(
        cols[0],
        seq,
        cols[1],
        cols[2],
        cols[3],
        cols[4],
        cols[5],
        cols[6],
        cols[7],
        np.full(len(order), NEVER, np.int64),
    )
    _overdue(rng, tl, loans)
    return loans


def _overdue(rng: Rng, tl: Timeline, ln: Loans) -> None:
    """Pick ~3.5% of loans running on `end` and stop their payments 1-6 months back."""
    running = (ln.maturity() > tl.end) & (ln.opened < tl.end - 200)
    late = running & (rng.random(len(ln.cust)) < 0.035)
    months_late = weighted(rng, [55, 20, 10, 6, 5, 4], len(ln.cust)) + 1
    miss_month = month_no(np.full(len(ln.cust), tl.end)) - months_late + 1
    miss = due_day(miss_month, ln.dom)
    miss = np.where(miss > tl.end, due_day(miss_month - 1, ln.dom), miss)
    ln.missed_from = np.where(late, miss, NEVER)


def loan_state(ln: Loans, day: int) -> dict[str, np.ndarray]:
    """The loans snapshot on `day`: balance, overdue days and amount, status."""
    k = ln.paid(day)
    balance = ln.balance(k)
    late = ln.missed_from <= day
    due_since = month_no(np.full(len(ln.cust), day)) - month_no(ln.missed_from.clip(max=NEVER))
    due_since -= due_day(month_no(ln.missed_from.clip(max=NEVER)) + due_since, ln.dom) > day
    n_missed = np.where(late, due_since + 1, 0)
    status = np.where(balance == 0, 2, np.where(late, 1, 0))  # normal, overdue, closed
    return {
        "balance": balance,
        "overdue_days": np.where(late, day - ln.missed_from + 1, 0),
        "overdue_amount": n_missed * ln.payment,
        "status": status,
        "show": ln.opened <= day,
    }


def repayments(tl: Timeline, ln: Loans, vocab: tx.Vocab) -> tx.Txns:
    """Monthly 自动扣款 on each due day inside the simulation, until maturity or the first miss."""
    parts = []
    m0 = month_no(ln.opened)
    for p in tl.periods:
        k = month_no(np.full(len(ln.cust), p.lo)) - m0
        due = due_day(m0 + k, ln.dom)
        ok = (k >= 1) & (k <= ln.months) & (due >= p.lo) & (due <= p.hi) & (due < ln.missed_from)
        i = np.flatnonzero(ok)
        before = ln.balance(k[i] - 1, i)
        amount = np.minimum(ln.payment[i], before + np.rint(before * ln.rate[i]).astype(np.int64))
        label = np.where(
            ln.product[i] == PRODUCT_INDEX["LN03"], "个人贷款还款户", "个人住房贷款还款户"
        )
        names = np.array([vocab.label(x) for x in ("个人贷款还款户", "个人住房贷款还款户")])
        parts.append(
            tx.make(
                ln.cust[i],
                due[i],
                amount,
                tx.FIXED_OUT,
                "repayment",
                "auto",
                "贷款还款",
                names[(label == "个人住房贷款还款户").astype(int)],
                -1,
                0,
            )
        )
    return tx.concat(parts)


@dataclass
class Cards:
    cust: I64
    number: npt.NDArray[np.str_]
    credit: npt.NDArray[np.bool_]
    level: I64  # 0 standard, 1 gold, 2 platinum, 3 diamond
    opened: I32
    limit: I64  # fen, 0 for debit
    status: I64  # 0 active, 1 frozen, 2 closed


def _luhn(body: npt.NDArray[np.str_]) -> npt.NDArray[np.str_]:
    """Append the Luhn check digit to each card number body."""
    width = len(body[0]) if len(body) else 0
    d = np.frombuffer(body.astype(f"S{width}").tobytes(), np.uint8).reshape(-1, width) - 48
    d = d[:, ::-1].astype(np.int64)
    doubled = d[:, 0::2] * 2
    total = (doubled - 9 * (doubled > 9)).sum(1) + d[:, 1::2].sum(1)
    return np.strings.add(body, ((10 - total % 10) % 10).astype(str))


def _numbers(bin6: str, serial: I64, width: int) -> npt.NDArray[np.str_]:
    body = np.strings.add(bin6, np.strings.zfill(serial.astype(str), width))
    return _luhn(body)


def make_cards(rng: Rng, tl: Timeline, bk: Book) -> Cards:
    """One debit card each (理财金卡 for the better-off, some a second 普卡); credit cards by level.

    Card numbers derive from the customer number, so they are unique across chunks.
    """
    n = bk.n
    second = np.flatnonzero(rng.random(n) < 0.15)
    d_cust = np.r_[np.arange(n), second]
    d_seq = np.r_[np.zeros(n, np.int64), np.ones(len(second), np.int64)]
    rich = (bk.start_fen[d_cust] >= 5_000_000) & (d_seq == 0)
    d_level = np.where(rich & (rng.random(len(d_cust)) < 0.7), 1, 0)
    working = (bk.age >= 22) & (bk.age <= 60)
    p_cc = np.where(working, 0.33, 0.12) * np.array([1, 1.4, 1.8, 2])[bk.band]
    c_cust = np.flatnonzero(rng.random(n) < p_cc)
    lvl_p = np.array([[70, 30, 0, 0], [30, 50, 20, 0], [0, 20, 60, 20], [0, 0, 50, 50]])
    c_level = np.zeros(len(c_cust), np.int64)
    for b in range(4):
        i = np.flatnonzero(bk.band[c_cust] == b)
        c_level[i] = weighted(rng, lvl_p[b], len(i))
    lim_lo = np.array([5_000, 20_000, 50_000, 200_000])[c_level]
    limit = (np.rint(lim_lo * rng.uniform(1, 5, len(c_cust)) / 1000) * 100_000).astype(np.int64)
    number = np.r_[
        _numbers("623688", (bk.gid[d_cust] + 1) * 10 + d_seq, 12),
        _numbers("625988", bk.gid[c_cust] + 1, 9),
    ]
    cust = np.r_[d_cust, c_cust]
    later = np.r_[
        d_seq == 1, np.ones(len(c_cust), bool)
    ]  # the first debit card came with the account
    span = np.maximum(tl.end - bk.opened[cust].astype(np.int64), 1)
    opened = bk.opened[cust] + (rng.random(len(cust)) * span * later).astype(np.int64)
    status = np.r_[weighted(rng, [99, 1, 0], len(d_cust)), weighted(rng, [92, 2, 6], len(c_cust))]
    return Cards(
        cust,
        number,
        np.r_[np.zeros(len(d_cust), bool), np.ones(len(c_cust), bool)],
        np.r_[d_level, c_level],
        opened.astype(np.int32),
        np.r_[np.zeros(len(d_cust), np.int64), limit],
        status,
    )
