"""Benchmark the demo-bank generator: wall time, peak memory, rows and throughput.

    uv run python bench/demo_build.py --customers 1000000 --months 13 [--format csv] [--out DIR]

Builds into a temporary folder (removed afterwards) unless --out is given.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bankcrm.demo import DemoSpec, build_demo


def _peak_rss_mib() -> float:
    """Peak resident set of this process and its children (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _report(label: str, done: int, total: int) -> None:
    print(f"\r{label} {done}/{total}", end="", file=sys.stderr, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=13)
    ap.add_argument("--seed", type=int, default=DemoSpec.seed)
    ap.add_argument("--format", dest="fmt", choices=("csv", "parquet"), default="csv")
    ap.add_argument("--daily-tail", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="bankcrm-demo-"))
    spec = DemoSpec(
        args.customers, args.months, args.seed, daily_tail=args.daily_tail, fmt=args.fmt
    )
    started = time.perf_counter()
    try:
        result = build_demo(spec, out, progress=_report)
        wall = time.perf_counter() - started
        size = _size(out)
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    print(file=sys.stderr)
    total = sum(result.rows.values())
    print(f"demo build: {args.customers:,} customers × {args.months} months, {args.fmt}")
    print(f"  wall time     {wall:8.1f} s")
    print(f"  peak RSS      {_peak_rss_mib():8.0f} MiB")
    print(f"  output size   {size / 2**30:8.2f} GiB")
    print(f"  rows          {total:,} ({total / wall:,.0f} rows/s)")
    for table, rows in result.rows.items():
        print(f"    {table:<16}{rows:>14,}")
    print("  AUM split on end:", ", ".join(f"{b} {s:.2%}" for b, s in result.aum_split.items()))


if __name__ == "__main__":
    main()
