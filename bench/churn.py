"""Churn benchmark (issue 7): feature build, training, scoring with reasons — time and peak RSS.

    .venv/bin/python bench/churn.py --customers 100000
    .venv/bin/python bench/churn.py --customers 1000000 [--train-customers 20000] [--keep DIR]

Generating 13 months of a 1M-customer demo takes too long for a benchmark, so the model is
trained on a smaller multi-month bank (`--train-customers`, 13 month ends: the nightly's marts,
then `churn train`), and scoring runs on a one-month bank of `--customers` (its nightly builds
the `features` mart; the one month has no earlier months, so the trend features are null there —
the scoring work per row is the same). Each measured step runs in a child process (peak RSS by
wait4). `--keep DIR` reuses the banks built there on a later run.
Targets at 1M: scoring with reasons ≤ 60 s, peak RSS ≤ 6 GiB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from nightly import measured  # bench/nightly.py: the child's last line as JSON

BUILD = """
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path
from bankcrm.analytics import jobs, nightly
from bankcrm.analytics.ingest import ingest_drop
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.marts.common import add_months
from bankcrm.config import Settings
from bankcrm.demo.generator import DemoSpec, build_demo
from bankcrm.tiering.schemas import parse_toml
from bankcrm.tiering.service import RuleSetVersion, preset_toml
root, n, months = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
r = build_demo(DemoSpec(customers=n, months=months, seed=5, fmt="parquet"), root / "drops")
lake = Lake(root / "lake")
for d in r.drops:
    assert ingest_drop(d, lake).status == "landed"
sets = [RuleSetVersion(parse_toml(preset_toml("maintenance_3tier")), 1, datetime.now(UTC), "b")]
last = nightly.latest_extract(lake)
steps = {}
for d in jobs.month_ends(add_months(last.replace(day=1), -(months - 1)), last):
    out = nightly.run(d, sets, lake=lake, settings=Settings())
    for k, v in out.steps.items():
        steps[k] = steps.get(k, 0.0) + v
print(json.dumps(steps))
"""

TRAIN = """
import json, sys, time
from pathlib import Path
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.nightly import latest_extract
from bankcrm.churn import model
lake = Lake(Path(sys.argv[1]))
t = time.perf_counter()
m = model.train(lake, latest_extract(lake))
c = m.card
print(json.dumps({"seconds": time.perf_counter() - t, "version": m.version, "rows": c["rows"],
                  "positives": c["positives"], "roc_auc": c["test"]["roc_auc"],
                  "baseline": c["baseline"]}))
"""

SCORE = """
import json, sys, time
from pathlib import Path
import duckdb
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.marts import churn
from bankcrm.analytics.nightly import latest_extract
from bankcrm.churn import dataset, model
lake = Lake(Path(sys.argv[1]))
as_of = latest_extract(lake)
t0 = time.perf_counter()
m = model.latest(lake, as_of)
rows = dataset.rows(duckdb.connect(), dataset.sources(lake, as_of))
t1 = time.perf_counter()
scored = churn.churn_scores(m, rows)
t2 = time.perf_counter()
churn.write(scored, Path(sys.argv[2]))
t3 = time.perf_counter()
print(json.dumps({"rows": scored.num_rows, "read": t1 - t0, "score_reasons": t2 - t1,
                  "write": t3 - t2, "total": t3 - t0}))
"""

GIB = 1024**3


def _built(folder: Path, customers: int, months: int) -> dict[str, float] | None:
    if (folder / "lake" / "marts" / "features").is_dir():
        print(f"  reusing {folder}")
        return None
    shutil.rmtree(folder, ignore_errors=True)
    wall, rss, steps = measured(BUILD, str(folder), str(customers), str(months))
    print(
        f"  demo + ingest + {months} month-end nightlies: {wall:.1f}s, peak RSS {rss / GIB:.2f} GiB"
    )
    print(f"  features step (行为特征) over the {months} dates: {steps['行为特征']:.1f}s")
    return steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--train-customers", type=int, default=20_000)
    ap.add_argument("--months", type=int, default=13)
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-churn-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        train_bank = work / f"train-{args.train_customers}"
        print(f"training bank: {args.train_customers:,} customers × {args.months} months")
        _built(train_bank, args.train_customers, args.months)
        wall, rss, t = measured(TRAIN, str(train_bank / "lake"))
        print(
            f"  churn train: {sum(t['rows'].values()):,} rows {t['rows']}, positives "
            f"{t['positives']}; {t['seconds']:.1f}s (child {wall:.1f}s), "
            f"peak RSS {rss / GIB:.2f} GiB; test ROC-AUC {t['roc_auc']} vs baseline {t['baseline']}"
        )
        score_bank = work / f"score-{args.customers}"
        print(f"scoring bank: {args.customers:,} customers × 1 month (its nightly builds features)")
        steps = _built(score_bank, args.customers, 1)
        if steps:
            print(f"  nightly steps: {json.dumps({k: round(v, 1) for k, v in steps.items()})}")
        models = score_bank / "lake" / "models" / "churn"
        shutil.rmtree(models, ignore_errors=True)
        shutil.copytree(train_bank / "lake" / "models" / "churn", models)
        wall, rss, s = measured(SCORE, str(score_bank / "lake"), str(work / "scored"))
        print(
            f"  scoring + reasons + indicators of {s['rows']:,} customers: read features "
            f"{s['read']:.1f}s, score+reasons {s['score_reasons']:.1f}s, write "
            f"{s['write']:.1f}s, total {s['total']:.1f}s (child {wall:.1f}s); "
            f"peak RSS {rss / GIB:.2f} GiB  [targets at 1M: ≤ 60 s, ≤ 6 GiB]"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
