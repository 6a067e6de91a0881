"""Transactions on customers' main 活期 accounts, as parallel integer arrays, and their vocabulary.

Every money movement of a customer posts to the main demand account, so that account's change-mode
balance is exactly the running sum of its transactions. Text columns travel as small integer codes
and become strings only when written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from bankcrm.analytics.ingest.contract import CHANNELS, TXN_TYPES
from bankcrm.demo import names
from bankcrm.demo.catalog import PRODUCTS

OWN_BANK_CODE = "DEMO"  # counterparty_bank of internal transfers (BANKCRM_OWN_BANK_CODE)
BANKS = (OWN_BANK_CODE, *(b for b, _, _ in names.OTHER_BANKS))
BANK_WEIGHTS = np.array([w for _, _, w in names.OTHER_BANKS], dtype=np.float64)
OWN_NAME = -2  # cp_name code: the customer's own name (money moved between own accounts)

# Priorities inside a day: money in first, then committed payments, then discretionary spending
# (scaled down if the balance is short), then the closing sweep of a closed account.
IN, FIXED_OUT, FLEX_OUT, DRAIN = 0, 1, 2, 3

# fmt: off
MEMOS = (
    "代发工资", "养老金", "经营收入", "家庭转账", "消费", "取现", "存现", "转账", "他行转入",
    "转出至他行", "定期到期转活期", "定期利息", "提前支取", "理财申购", "理财到期兑付", "理财赎回",
    "基金申购", "基金赎回", "保险缴费", "退保", "国债认购", "国债兑付", "积存金买入", "积存金卖出",
    "银转证", "证转银", "活期结息", "短信服务费", "借记卡年费", "贷款还款", "信用卡还款", "销户转出",
    "开户存入", "账户互转", "红包", "退款", "转存定期",
)
LABELS = ("个人住房贷款还款户", "个人贷款还款户", "信用卡中心", "社保中心", "本行理财", "本行基金代销",
          "本行保险代理", "储蓄国债", "积存金业务", "本行", "现金")
# fmt: on
MEMO = {m: i for i, m in enumerate(MEMOS)}
TYPE = {t: i for i, t in enumerate(TXN_TYPES)}
CHANNEL = {c: i for i, c in enumerate(CHANNELS)}


@dataclass(frozen=True)
class Vocab:
    """Static counterparty names; a code ≥ 0 indexes `names`."""

    names: tuple[str, ...]
    people: range
    merchants: range
    employers: range
    products: range
    securities: range
    labels: range

    def label(self, text: str) -> int:
        return self.labels.start + LABELS.index(text)


def make_vocab(rng: np.random.Generator, n_people: int = 3_000, n_employers: int = 300) -> Vocab:
    sections: list[Sequence[str] | npt.NDArray[np.str_]] = [
        names.person_names(rng, rng.random(n_people) < 0.5, rng.integers(1950, 2004, n_people)),
        list(names.MERCHANTS),
        names.employers(rng, n_employers),
        [p.name for p in PRODUCTS],
        list(names.SECURITIES),
        list(LABELS),
    ]
    out: list[str] = []
    ranges = []
    for s in sections:
        ranges.append(range(len(out), len(out) + len(s)))
        out += [str(x) for x in s]
    return Vocab(tuple(out), *ranges)


@dataclass
class Txns:
    """Parallel arrays, one element per transaction."""

    cust: npt.NDArray[np.int64]  # position in the chunk
    day: npt.NDArray[np.int32]
    amount: npt.NDArray[np.int64]  # fen, > 0
    prio: npt.NDArray[np.int8]  # IN, FIXED_OUT, FLEX_OUT, DRAIN (direction = prio != IN)
    ttype: npt.NDArray[np.int8]
    channel: npt.NDArray[np.int8]
    cp_name: npt.NDArray[np.int32]  # Vocab code, OWN_NAME, or -1
    cp_acct: npt.NDArray[np.int64]  # counterparty account number, -1 none
    cp_bank: npt.NDArray[np.int8]  # index into BANKS, -1 none
    memo: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.cust)

    def take(self, idx: npt.NDArray[np.integer] | npt.NDArray[np.bool_]) -> Txns:
        return Txns(*(getattr(self, f.name)[idx] for f in fields(self)))


# Txns' field dtypes, in field order (for concatenating batches of mixed integer widths).
_DTYPES: tuple[npt.DTypeLike, ...] = (
    np.int64,
    np.int32,
    np.int64,
    np.int8,
    np.int8,
    np.int8,
    np.int32,
    np.int64,
    np.int8,
    np.int8,
)


def empty() -> Txns:
    return Txns(*(np.zeros(0, dtype=d) for d in _DTYPES))


def concat(parts: list[Txns]) -> Txns:
    if not parts:
        return empty()
    return Txns(
        *(
            np.concatenate([getattr(p, f.name) for p in parts]).astype(d, copy=False)
            for f, d in zip(fields(Txns), _DTYPES, strict=True)
        )
    )


def make(
    cust: npt.ArrayLike,
    day: npt.ArrayLike,
    amount: npt.ArrayLike,
    prio: int | npt.ArrayLike,
    ttype: str | npt.ArrayLike,
    channel: str | npt.ArrayLike,
    memo: str | npt.ArrayLike,
    cp_name: int | npt.ArrayLike = -1,
    cp_acct: int | npt.ArrayLike = -1,
    cp_bank: int | npt.ArrayLike = -1,
) -> Txns:
    """A batch; scalar fields broadcast, text fields may be given by their label."""
    c = np.asarray(cust, dtype=np.int64)
    n = len(c)

    def full(v: object, table: dict[str, int] | None, dtype: type) -> np.ndarray:
        if isinstance(v, str):
            assert table is not None
            v = table[v]
        return np.broadcast_to(np.asarray(v), (n,)).astype(dtype)

    return Txns(
        c,
        full(day, None, np.int32),
        full(amount, None, np.int64),
        full(prio, None, np.int8),
        full(ttype, TYPE, np.int8),
        full(channel, CHANNEL, np.int8),
        full(cp_name, None, np.int32),
        full(cp_acct, None, np.int64),
        full(cp_bank, None, np.int8),
        full(memo, MEMO, np.int8),
    )


def other_bank_accounts(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(bank index into BANKS, 19-digit card number) of accounts at other banks."""
    k = names.weighted(rng, BANK_WEIGHTS, n)
    bins = np.array([int(b) for _, b, _ in names.OTHER_BANKS], dtype=np.int64)[k]
    return (k + 1).astype(np.int8), bins * 10**13 + rng.integers(0, 10**13, n)


def own_bank_accounts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Card numbers of other customers of this bank (our BIN 623688)."""
    return 623688 * 10**13 + rng.integers(0, 10**13, n)
