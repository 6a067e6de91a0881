"""Nightly benchmark: one calendar month of change-mode balances and transactions, full nightly.

    uv run python bench/nightly.py --customers 100000
    uv run python bench/nightly.py --customers 1000000 [--db postgresql] [--keep DIR]
    uv run python bench/nightly.py --customers 100000 --engine spark

Builds the demo bank (1 month, ingested into a lake) once, then in child processes (peak RSS by
wait4), on the same lake, in the same run:
  - nightly   every mart + tiers under the three presets + publish to the DB (SQLite, or
              PostgreSQL with --db postgresql); wall time per step;
  - aum+tier  the marts' AUM and tier steps alone, for maintenance_3tier (what (b) and (c) do),
              writing every column of aum_monthly, aum_daily and tiers to the lake;
  - transform the same marts' functions (account_spans → aum_monthly → tiers) compiled into one
              query returning what (b) returns (customer_id, 月日均, tier) in customer order —
              like for like with (b): no Parquet written;
  - (a) floor DuckDB's plain scan of the same balance files (sum(balance));
  - (b) reference: the best hand-written DuckDB SQL for the same 月日均 + tier (bench/nightly_peers);
  - (c) peer: a straightforward pandas implementation of it.
(b) and (c) are cross-checked equal to the marts (月日均 to the fen, tier by tier).
Targets (issue 4) at 1M: aum+tier ≤ 1.5× (b) and ≥ 5× faster than (c); full nightly ≤ 60 s;
peak RSS ≤ 4 GiB; about linear from 100k to 1M.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ingest  # bench/ingest.py: the child-process runner both benchmarks share

AS_OF = "2026-10-31"

PREPARE = """
import sys
from pathlib import Path
from bankcrm.analytics.ingest import ingest_drop
from bankcrm.analytics.lake import Lake
from bankcrm.demo.generator import DemoSpec, build_demo
r = build_demo(DemoSpec(customers=int(sys.argv[2]), months=1, seed=int(sys.argv[3]), fmt="parquet"),
               Path(sys.argv[1]) / "drops")
rep = ingest_drop(r.drops[0], Lake(Path(sys.argv[1]) / "lake"))
assert rep.status == "landed", rep
"""

NIGHTLY = """
import json, sys, time, shutil
from datetime import date, datetime, UTC
from pathlib import Path
from bankcrm.alerts import rules as alert_rules
from bankcrm.analytics import nightly, publish
from bankcrm.analytics.lake import Lake
from bankcrm.config import Settings
from bankcrm.db import migrate
from bankcrm.db.session import make_engine, unit_of_work
from bankcrm.tiering import service
lake, db_url, engine_name, which = Lake(Path(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
shutil.rmtree(lake.root / "marts", ignore_errors=True)
settings = Settings(engine=engine_name)
names = ["maintenance_3tier"] if which == "aum_tier" else list(service.PRESETS)
sets = [service.RuleSetVersion(service.parse_toml(service.preset_toml(n)), 1, datetime.now(UTC), "bench")
        for n in names]
as_of = date.fromisoformat(sys.argv[5])
t0 = time.perf_counter()
# the full nightly evaluates the preset alert rules too (no churn model in a bench lake: the
# scoring step is skipped; bench/churn.py measures it)
alerts = alert_rules.parse_toml(alert_rules.preset_toml()).enabled() if which == "full" else ()
out = nightly.run(as_of, sets, lake=lake, settings=settings, alert_rules=alerts)
steps = dict(out.steps)
if which == "full":
    db = make_engine(db_url)
    migrate.upgrade(db)
    t = time.perf_counter()
    with unit_of_work(db) as session:
        publish.publish(session, lake, as_of, names)
    steps["发布到运营库"] = time.perf_counter() - t
steps["total"] = time.perf_counter() - t0
print(json.dumps(steps))
"""

TRANSFORM = """
import json, sys, time
from datetime import date, datetime, UTC
from pathlib import Path
from bankcrm.analytics import backend, nightly
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.marts import aum, tiers
from bankcrm.config import Settings
from bankcrm.tiering import service
lake, as_of = Lake(Path(sys.argv[1])), date.fromisoformat(sys.argv[2])
start = as_of.replace(day=1)
spec = service.parse_toml(service.preset_toml("maintenance_3tier"))
t0 = time.perf_counter()
engine = backend.connect(Settings())
inputs = nightly.Inputs(engine, lake, as_of)
keyed = aum.keyed_customers(inputs.required("customers"))
spans = aum.account_spans(
    inputs.required("balances"), inputs.required("accounts"), keyed, start=start, as_of=as_of
)
history, year_days = nightly.monthly_history(engine, lake, start)
monthly = aum.aum_monthly(spans, keyed, history, as_of=as_of, start=start, year_days_before=year_days)
# the facts qualifiers read (maintenance_3tier has none): the features mart of the full run
facts = engine.read(nightly.mart_files(lake, "features", as_of), base=lake.root / "marts" / "features")
t = tiers.tiers(monthly, history, facts.select("customer_id", *tiers.FACTS),
                nightly.previous_tiers(engine, lake, as_of), spec=spec, version=1, as_of=as_of)
out = t.select("customer_id", month_avg_fen="basis_value_fen", tier="tier").order_by("customer_id")
# compiled and run the way Engine.write runs the marts (Ibis' to_pyarrow adds ≈ 0.6 s of its own)
rows = engine.con.raw_sql(engine.con.compile(out)).to_arrow_table().num_rows
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows}))
"""

PEER = """
import json, sys, time
from datetime import date
from pathlib import Path
sys.path.insert(0, "bench")
import nightly_peers as peers
lake, as_of, which = Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), sys.argv[3]
t = time.perf_counter()
if which == "floor":
    result = peers.io_floor(lake, as_of)
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "sum_fen": int(result)}))
else:
    df = peers.reference_sql(lake, as_of) if which == "reference" else peers.pandas_peer(lake, as_of)
    seconds = time.perf_counter() - t
    df.to_parquet(sys.argv[4])
    print(json.dumps({"seconds": seconds, "rows": len(df)}))
"""


def measured(code: str, *args: str) -> tuple[float, int, dict[str, float]]:
    """`ingest.measured` (wall seconds, peak RSS bytes) with the child's last line as JSON."""
    wall, rss, out = ingest.measured(code, *args)
    return wall, rss, json.loads(out.strip().splitlines()[-1])


def db_url(kind: str, work: Path, database: str = "bankcrm_bench") -> str:
    """SQLite: a file in `work`; PostgreSQL: a fresh database `database` in the local cluster
    (started by scripts/pg-up.sh, whose last line is the URL)."""
    if kind == "sqlite":
        return f"sqlite:///{work / 'bench.db'}"
    url = (
        subprocess.run(
            ["bash", str(Path(__file__).resolve().parent.parent / "scripts" / "pg-up.sh")],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    base = make_url(url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # FORCE cannot end an autovacuum worker (the superuser's) still busy with the previous
        # run's tables: wait for it
        for attempt in range(90):
            try:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                break
            except DBAPIError:
                if attempt == 89:
                    raise
                if attempt == 0:
                    print(f"  waiting for autovacuum to leave {database} …", flush=True)
                time.sleep(2)
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return base.set(database=database).render_as_string(hide_password=False)


def cross_check(lake: Path, peer_file: Path, label: str) -> None:
    """The peer's 月日均 and tier equal the marts' for every customer."""
    import duckdb

    marts = lake / "marts"
    sql = f"""
        SELECT count(*) AS n,
               count(*) FILTER (WHERE p.month_avg_fen IS DISTINCT FROM m.month_avg_fen) AS avg_diff,
               count(*) FILTER (WHERE p.tier IS DISTINCT FROM t.tier) AS tier_diff
        FROM read_parquet('{peer_file}') p
        FULL JOIN read_parquet('{marts}/aum_monthly/as_of={AS_OF}/*.parquet') m USING (customer_id)
        LEFT JOIN (SELECT * FROM read_parquet('{marts}/tiers/as_of={AS_OF}/*.parquet')
                   WHERE rule_set = 'maintenance_3tier') t USING (customer_id)
    """
    n, avg_diff, tier_diff = duckdb.sql(sql).fetchall()[0]
    if avg_diff or tier_diff:
        raise SystemExit(
            f"{label} differs from the marts: {avg_diff} 月日均, {tier_diff} tiers of {n}"
        )
    print(f"  {label}: equal to the marts on all {n:,} customers (月日均 to the fen, tier)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--keep", type=Path, help="build the lake here and keep (reuse) it")
    parser.add_argument("--skip-pandas", action="store_true", help="leave out (c)")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bankcrm-bench-nightly-"))
    lake = work / "lake"
    try:
        if not (lake / "raw" / "balances").is_dir():
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", PREPARE, str(work), str(args.customers), str(args.seed)],
                check=True,
            )
            print(f"built and ingested the demo month in {time.perf_counter() - t0:.0f} s")
        import duckdb

        balance_rows = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{lake}/raw/balances/*/*.parquet')"
        ).fetchall()[0][0]
        url = db_url(args.db, work)
        if args.db == "sqlite":
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        figures: dict[str, object] = {"customers": args.customers, "balance_rows": balance_rows}
        wall, rss, steps = measured(NIGHTLY, str(lake), url, args.engine, "aum_tier", AS_OF)
        aum_tier = steps["AUM"] + steps["分层"]
        figures["aum_tier_s"] = round(aum_tier, 2)
        wall, rss, steps = measured(NIGHTLY, str(lake), url, args.engine, "full", AS_OF)
        figures |= {
            "nightly_steps_s": {k: round(v, 2) for k, v in steps.items()},
            "nightly_wall_s": round(wall, 1),
            "nightly_peak_rss_mib": round(rss / 2**20),
        }
        _w, _rss, transform = measured(TRANSFORM, str(lake), AS_OF)
        figures["transform_s"] = round(transform["seconds"], 2)
        _w, _rss, floor = measured(PEER, str(lake), AS_OF, "floor")
        figures["floor_s"] = round(floor["seconds"], 2)
        ref_file, pandas_file = work / "reference.parquet", work / "pandas.parquet"
        _w, ref_rss, ref = measured(PEER, str(lake), AS_OF, "reference", str(ref_file))
        figures |= {
            "reference_s": round(ref["seconds"], 2),
            "reference_peak_rss_mib": round(ref_rss / 2**20),
        }
        if not args.skip_pandas:
            _w, pd_rss, pdp = measured(PEER, str(lake), AS_OF, "pandas", str(pandas_file))
            figures |= {
                "pandas_s": round(pdp["seconds"], 2),
                "pandas_peak_rss_mib": round(pd_rss / 2**20),
            }
        # the full run left the marts of AS_OF in the lake: check the peers against them
        cross_check(lake, ref_file, "(b) reference SQL")
        if not args.skip_pandas:
            cross_check(lake, pandas_file, "(c) pandas peer")
        figures["ratio_aum_tier_to_reference"] = round(aum_tier / ref["seconds"], 2)
        figures["ratio_transform_to_reference"] = round(transform["seconds"] / ref["seconds"], 2)
        if not args.skip_pandas:
            figures["pandas_over_aum_tier"] = round(pdp["seconds"] / aum_tier, 1)
        figures["engine"], figures["db"] = args.engine, args.db
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        print(
            f"\nnightly {args.customers:,} customers, {balance_rows:,} balance rows ({args.engine}, {args.db})\n"
            f"  full nightly {figures['nightly_wall_s']} s wall (steps {figures['nightly_steps_s']}), "
            f"peak RSS {figures['nightly_peak_rss_mib']:,} MiB\n"
            f"  aum+tier {aum_tier:.2f} s; (a) floor {floor['seconds']:.2f} s; (b) reference {ref['seconds']:.2f} s "
            f"→ ratio {figures['ratio_aum_tier_to_reference']} (target ≤ 1.5); "
            f"transform alone {transform['seconds']:.2f} s → ratio {figures['ratio_transform_to_reference']}"
            + (
                f"; (c) pandas {pdp['seconds']:.2f} s → {figures['pandas_over_aum_tier']}× slower (target ≥ 5)"
                if not args.skip_pandas
                else ""
            )
        )
        out = Path("bench/out")
        out.mkdir(parents=True, exist_ok=True)
        name = f"nightly-{args.customers}-{args.engine}-{args.db}.json"
        (out / name).write_text(json.dumps(figures, ensure_ascii=False, indent=1), "utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
