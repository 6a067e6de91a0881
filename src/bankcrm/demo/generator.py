"""Build the demo bank: the public entry point `build_demo(spec, out)`.

Customers are generated in chunks of CHUNK; chunk i draws from its own child of the spec's
SeedSequence, so its data do not depend on timing. A single writer thread formats and appends
chunk i while the main thread generates chunk i+1 (numpy and DuckDB both release the GIL).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bankcrm.demo import assemble as asm
from bankcrm.demo import txns as tx
from bankcrm.demo.catalog import org_table, products_table, staff_table
from bankcrm.demo.columns import dates
from bankcrm.demo.customers import DRIFT, GROW, TRAJECTORIES, Book, identity, make_book
from bankcrm.demo.digital import digital_events
from bankcrm.demo.flows import make_ctx
from bankcrm.demo.holdings import make_holdings
from bankcrm.demo.ledger import simulate
from bankcrm.demo.liabilities import make_cards, make_loans, repayments
from bankcrm.demo.market import Market, make_market
from bankcrm.demo.timeline import NEVER, Timeline, make_timeline
from bankcrm.demo.writer import DropWriter, drop_list, manifest, publish

CHUNK = 50_000
BANDS = ("<5万", "5万-50万", "50万-300万", "≥300万")
BAND_EDGES_FEN = np.array([5_000_000, 50_000_000, 300_000_000])
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoSpec:
    customers: int = 20_000
    months: int = 13
    seed: int = 20261123
    end: date = date(2026, 10, 31)  # as_of of the initial drop = last day of history
    daily_tail: int = 0  # extra daily drops after `end`
    fmt: str = "csv"  # "csv" | "parquet"


@dataclass
class DemoResult:
    drops: list[Path]  # drop folders written, in order
    rows: dict[str, int]  # rows per table over all drops
    aum_split: dict[str, float]  # share of customers per point-AUM band on `end`
    seconds: float


@dataclass(frozen=True)
class _World:
    """What every chunk shares: the calendar, market prices and counterparty vocabulary."""

    tl: Timeline
    market: Market
    vocab: tx.Vocab
    chunks: int  # how many chunks the customers come in


def _chunk(
    rng: np.random.Generator, w: _World, first: int, n: int, note: Callable[[str], None]
) -> asm.Chunk:
    tl, vocab = w.tl, w.vocab
    bk = make_book(rng, tl, first, n, len(vocab.employers))
    ident = identity(rng, bk, first // CHUNK, w.chunks)
    h = make_holdings(rng, tl, bk, vocab, w.market)
    loans = make_loans(rng, tl, bk)
    cards = make_cards(rng, tl, bk)
    ctx = make_ctx(rng, tl, bk, cards, vocab)
    note("生成客户")
    committed = tx.concat([h.flows, repayments(tl, loans, vocab)])
    led = simulate(rng, tl, bk, h, committed, ctx, vocab)
    digital = digital_events(rng, tl, bk, ctx, led.txns)
    note("生成余额与交易")
    main, keys = asm.account_keys(bk, h)
    employers = w.vocab.names[vocab.employers.start : vocab.employers.stop]
    aum = led.end_balance + h.values_at(np.array([tl.end], np.int32), bk.n)[:, 0]
    return asm.Chunk(
        customers=asm.customers_raw(rng, tl, bk, ident, h, employers),
        accounts=asm.accounts_raw(bk, h, main, keys),
        balances=asm.balances_raw(bk, h, led, main, keys),
        transactions=asm.transactions_raw(bk, led.txns, main, vocab, ident.name),
        cards=asm.cards_raw(bk, cards),
        digital=asm.digital_raw(bk, digital),
        loans=loans,
        loan_gid=bk.gid[loans.cust],
        truth=_truth(bk),
        aum_end=np.where(bk.opened <= tl.end, aum, -1),
    )


def _truth(b: Book) -> pa.Table:
    ids = np.strings.add("C", np.strings.zfill((b.gid + 1).astype(str), 9))
    day = np.minimum(b.change_day, NEVER - 1)
    return pa.table(
        {
            "customer_id": pa.array(ids.astype(str)),
            "trajectory": pa.array(np.asarray(TRAJECTORIES)[b.traj].astype(str)),
            "drift_start": dates(day, b.traj == DRIFT),
            "grow_start": dates(day, b.traj == GROW),
        }
    )


def build_demo(spec: DemoSpec, out: Path, progress: Progress | None = None) -> DemoResult:
    """Write the initial drop (all history up to `end`) and `daily_tail` daily drops under `out`.

    Same spec → byte-identical files. The latent trajectories go to `out/_truth/`, never into a
    drop (a bank's extracts do not know who is about to leave).
    """
    if spec.customers < 1 or spec.months < 1 or spec.daily_tail < 0:
        raise ValueError("customers and months must be ≥ 1, daily_tail ≥ 0")
    started = time.perf_counter()
    report = progress or (lambda _label, _done, _total: None)
    tl = make_timeline(spec.end, spec.months, spec.daily_tail)
    world_seq, chunk_seq = np.random.SeedSequence(spec.seed).spawn(2)
    wrng = np.random.default_rng(world_seq)
    n_chunks = -(-spec.customers // CHUNK)
    world = _World(tl, make_market(wrng, tl), tx.make_vocab(wrng), n_chunks)
    static = {
        "org_units": org_table(),
        "staff": staff_table(wrng, spec.customers, tl.start),
        "products": products_table(),
    }
    out.mkdir(parents=True, exist_ok=True)
    drops = drop_list(out, tl.end, tl.start, spec.daily_tail)
    result = DemoResult([d.final for d in drops], {}, {}, 0.0)
    truth_tmp = out / "_truth" / f".customers.{os.getpid()}.parquet"
    truth_tmp.parent.mkdir(exist_ok=True)
    writer = DropWriter(drops, spec.fmt)
    truth = None
    bands = np.zeros(4, np.int64)
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-writer") as pool:
            pending: list[Future[None]] = [pool.submit(writer.write_static, static)]
            for i, seq in enumerate(chunk_seq.spawn(n_chunks)):
                first, n = i * CHUNK, min(CHUNK, spec.customers - i * CHUNK)

                def note(label: str, i: int = i) -> None:
                    report(label, i + 1, n_chunks)

                c = _chunk(np.random.default_rng(seq), world, first, n, note)
                bands += _bands(c.aum_end)
                if truth is None:
                    truth = pq.ParquetWriter(str(truth_tmp), c.truth.schema, compression="zstd")
                truth.write_table(c.truth)
                while len(pending) > 1:  # keep at most one chunk waiting to be written
                    pending.pop(0).result()
                    report("写出文件", i - len(pending), n_chunks)
                pending.append(pool.submit(writer.write_chunk, c))
            for f in pending:
                f.result()
            report("写出文件", n_chunks, n_chunks)
    finally:
        writer.close()
        if truth is not None:
            truth.close()
    for d in drops:
        (d.tmp / "manifest.toml").write_text(
            manifest(d, spec.seed, spec.customers, spec.months), encoding="utf-8"
        )
    publish(drops)
    truth_tmp.replace(out / "_truth" / "customers.parquet")
    result.rows = dict(writer.rows)
    total = max(int(bands.sum()), 1)
    result.aum_split = {b: int(bands[k]) / total for k, b in enumerate(BANDS)}
    result.seconds = time.perf_counter() - started
    return result


def _bands(aum: np.ndarray) -> np.ndarray:
    """Customers per point-AUM band (lower bounds inclusive); -1 marks not-yet customers."""
    known = aum[aum >= 0]
    return np.bincount(np.searchsorted(BAND_EDGES_FEN, known, side="right"), minlength=4)
