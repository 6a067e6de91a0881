"""One chunk's arrays → "raw" Arrow tables (integer keys, day numbers, fen as decimals, codes).

The writer turns raw tables into the contract's columns (formatting keys in SQL) and filters
them per drop. Keys derive from the customer number so chunks never need a shared counter:
accounts `A` + customer (10) + sequence (3), transactions `T` + customer (10) + sequence (5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bankcrm.analytics.ingest.contract import CHANNELS, TXN_TYPES
from bankcrm.demo import columns as col
from bankcrm.demo import txns as tx
from bankcrm.demo.catalog import PRODUCTS, outlets
from bankcrm.demo.customers import Book, Identity
from bankcrm.demo.digital import EVENTS, Digital
from bankcrm.demo.holdings import ASSET_CLASS, RATE, Holdings
from bankcrm.demo.ledger import Ledger
from bankcrm.demo.liabilities import Cards, Loans
from bankcrm.demo.names import OCCUPATIONS, weighted
from bankcrm.demo.timeline import I64, NEVER, Timeline

Rng = np.random.Generator
CODES = [p.code for p in PRODUCTS]
CLASS_NAMES = sorted({c for c in ASSET_CLASS if c})
MARITAL = ("single", "married", "divorced", "widowed")
ID_TYPES = ("resident_id", "passport", "hk_mo_permit")


@dataclass
class Chunk:
    """Raw tables of one chunk plus what the generator reports and keeps."""

    customers: pa.Table
    accounts: pa.Table
    balances: pa.Table
    transactions: pa.Table
    cards: pa.Table
    digital: pa.Table
    loans: Loans
    loan_gid: I64
    truth: pa.Table
    aum_end: I64  # point AUM on `end` per customer (fen), -1 when not yet a customer


def _seq(cust: I64, order_key: npt.NDArray[np.integer]) -> I64:
    """1-based rank of each row within its customer, by `order_key`."""
    order = np.lexsort((np.arange(len(cust)), order_key, cust))
    c = cust[order]
    rank = np.arange(len(c)) - np.searchsorted(c, c)
    out = np.empty(len(c), np.int64)
    out[order] = rank + 1
    return out


def account_keys(bk: Book, h: Holdings) -> tuple[I64, I64]:
    """(main 活期 account key per customer, key per holdings account)."""
    main = (bk.gid + 1) * 1000
    return main, (bk.gid[h.cust] + 1) * 1000 + _seq(h.cust, h.opened)


def _risk(rng: Rng, tl: Timeline, bk: Book, h: Holdings) -> tuple[np.ndarray, np.ndarray]:
    """Risk level C1-C5 (at least the riskiest product held) and the assessment day (or -1)."""
    held = np.zeros(bk.n, np.int64)
    np.maximum.at(held, h.cust, np.array([p.risk for p in PRODUCTS])[h.product])
    score = 2.4 + 0.6 * bk.band - 0.025 * (bk.age - 45) + rng.normal(0, 0.8, bk.n)
    level = np.maximum(np.clip(np.rint(score), 1, 5), np.where(held >= 2, held, 1)).astype(np.int64)
    assessed = (held >= 2) | (rng.random(bk.n) < 0.55)
    lo = np.maximum(bk.opened.astype(np.int64), tl.end - 3 * 365)
    day = lo + (rng.random(bk.n) * np.maximum(tl.end - lo + 1, 1)).astype(np.int64)
    day = np.where(bk.opened > tl.end, bk.opened, np.minimum(day, tl.end))
    return np.where(assessed, level, 0), np.where(assessed, day, -1)


def _marital(rng: Rng, age: I64) -> I64:
    table = np.array([[90, 10, 0, 0], [40, 57, 3, 0], [5, 85, 8, 2], [0, 70, 5, 25]])
    group = np.searchsorted([25, 35, 65], age, side="right")
    out = np.zeros(len(age), np.int64)
    for g in range(4):
        i = np.flatnonzero(group == g)
        out[i] = weighted(rng, table[g], len(i))
    return out


def customers_raw(rng: Rng, tl: Timeline, bk: Book, ident: Identity, h: Holdings,
                  employers: tuple[str, ...]) -> pa.Table:  # fmt: skip
    """Profiles, with deliberate gaps (建档缺失) among the `gap` customers."""
    n = bk.n
    risk, risk_on = _risk(rng, tl, bk, h)
    miss = (rng.random((6, n)) < 0.4) & bk.gap
    forced = rng.integers(0, 6, n)
    miss[forced, np.arange(n)] |= bk.gap & ~miss.any(0)
    needs_risk = risk_on >= 0
    miss[5] &= ~(needs_risk & (risk >= 2))  # a customer holding risk products was assessed
    has = ~miss
    home = (rng.random(n) < np.where(bk.age > 50, 0.7, 0.2)) & has[1]
    emp = np.asarray(employers, dtype=object)[np.maximum(bk.employer, 0)]
    org = np.array([o.org_id for o in outlets()])[bk.outlet]
    ok_risk = needs_risk & has[5]
    return pa.table({
        "gid": bk.gid,
        "name": col.texts(ident.name),
        "id_type": col.coded(ident.id_type, ID_TYPES),
        "id_number": col.texts(ident.id_number),
        "birth": col.dates(bk.birth),
        "home_org": col.texts(org),
        "opened": col.dates(bk.opened),
        "gender": col.coded(np.where(bk.male, 0, 1), ("M", "F")),
        "phone": pa.array(ident.phone, mask=~has[0]),
        "home_phone": col.texts(ident.home_phone, home),
        "address": col.texts(ident.address, has[1]),
        "employer": col.texts(emp, has[2] & (bk.employer >= 0)),
        "occupation": col.texts(np.asarray(OCCUPATIONS)[bk.occupation], has[3]),
        "marital": col.coded(_marital(rng, bk.age), MARITAL, has[4]),
        "risk": col.coded(np.maximum(risk - 1, 0), ("C1", "C2", "C3", "C4", "C5"), ok_risk),
        "risk_on": col.dates(np.maximum(risk_on, 0), ok_risk),
        "closed": col.dates(np.minimum(bk.closed, NEVER - 1), bk.closed != NEVER),
        "e_banking": pa.array(bk.e_banking),
    })  # fmt: skip


def accounts_raw(bk: Book, h: Holdings, main: I64, keys: I64) -> pa.Table:
    demand = PRODUCTS.index(next(p for p in PRODUCTS if p.code == "DD01"))
    prod = np.r_[np.full(bk.n, demand), h.product]
    opened = np.r_[bk.opened, h.opened]
    maturity = np.r_[np.full(bk.n, NEVER), h.maturity]
    closed = np.r_[bk.closed, h.closed]
    rate = RATE[prod]
    cls = np.array([CLASS_NAMES.index(c) if c else 0 for c in ASSET_CLASS])
    order = np.argsort(np.r_[main, keys], kind="stable")
    table = pa.table({
        "key": np.r_[main, keys],
        "gid": np.r_[bk.gid, bk.gid[h.cust]],
        "product": col.coded(prod, CODES),
        "asset_class": col.coded(cls[prod], CLASS_NAMES),
        "opened": col.dates(opened),
        "maturity": col.dates(np.minimum(maturity, NEVER - 1), maturity != NEVER),
        "closed": col.dates(np.minimum(closed, NEVER - 1), closed != NEVER),
        "rate": col.rate(np.maximum(rate, 0), rate >= 0),
    })  # fmt: skip
    return table.take(order)


def balances_raw(bk: Book, h: Holdings, led: Ledger, main: I64, keys: I64) -> pa.Table:
    key = np.r_[main[led.bal_cust], keys[h.ev_acct]]
    day = np.r_[led.bal_day, h.ev_day]
    value = np.r_[led.bal_value, h.ev_value]
    order = np.lexsort((key, day))
    return pa.table(
        {"day": col.dates(day[order]), "key": key[order], "value": col.money(value[order])}
    )


def transactions_raw(
    bk: Book, t: tx.Txns, main: I64, vocab: tx.Vocab, own: npt.NDArray[np.str_]
) -> pa.Table:
    seq = _seq(t.cust, np.arange(len(t.cust)))
    # cp_name codes: ≥ 0 a vocabulary name, OWN_NAME the customer's own (appended per chunk)
    name_idx = np.where(t.cp_name == tx.OWN_NAME, len(vocab.names) + t.cust, t.cp_name)
    labels = pa.array([*vocab.names, *own.tolist()], pa.string())
    cp_name = pa.DictionaryArray.from_arrays(
        pa.array(name_idx.astype(np.int32), mask=name_idx < 0), labels
    )
    return pa.table({
        "key": (bk.gid[t.cust] + 1) * 100_000 + seq,
        "acct": main[t.cust],
        "gid": bk.gid[t.cust],
        "day": col.dates(t.day),
        "amount": col.money(t.amount),
        "direction": col.coded(np.where(t.prio == tx.IN, 0, 1), ("in", "out")),
        "channel": col.coded(t.channel, CHANNELS),
        "ttype": col.coded(t.ttype, TXN_TYPES),
        "cp_name": cp_name,
        "cp_acct": pa.array(t.cp_acct, mask=t.cp_acct < 0),
        "cp_bank": col.coded(np.maximum(t.cp_bank, 0), tx.BANKS, t.cp_bank >= 0),
        "memo": col.coded(t.memo, tx.MEMOS),
    })  # fmt: skip


def cards_raw(bk: Book, c: Cards) -> pa.Table:
    closed = bk.closed[c.cust]
    return pa.table({
        "number": col.texts(c.number),
        "gid": bk.gid[c.cust],
        "card_type": col.coded(c.credit.astype(np.int64), ("debit", "credit")),
        "level": col.coded(c.level, ("standard", "gold", "platinum", "diamond")),
        "opened": col.dates(c.opened),
        "limit": col.money(c.limit, c.credit),
        "status": col.coded(c.status, ("active", "frozen", "closed")),
        "cust_closed": col.dates(np.minimum(closed, NEVER - 1), closed != NEVER),
    })  # fmt: skip


def digital_raw(bk: Book, d: Digital) -> pa.Table:
    return pa.table({
        "gid": bk.gid[d.cust],
        "day": col.dates(d.day),
        "event": col.coded(d.event, EVENTS),
        "count": col.ints(d.count),
    })  # fmt: skip
