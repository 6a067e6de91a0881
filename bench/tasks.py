"""Assignment + task-calendar benchmark: the nightly's operational step after the publish.

    uv run python bench/tasks.py --customers 1000000 --keep /tmp/bt1m [--db sqlite|postgresql|both]

Prepares (once per --keep folder) the demo month in a lake and its nightly marts for the month
end (as bench/nightly.py and bench/api.py do), then per database: a fresh schema, the tiering
rule sets and maintenance policies installed, and the publish of the nightly results — timed,
but not part of the measured figure. Then, in a fresh child process (peak RSS by wait4 is this
step's alone), `bankcrm.maintenance.jobs.run(session, as_of)` in one unit of work:
  - assignment   owners by tier under the policy in force (assignment.service.run_nightly);
  - tasks        every owner's tasks due in the next 45 days (maintenance.tasks.generate);
  - commit       the transaction's commit.
The same step then runs a second time in another child, on the same database and date: an
idempotent re-run, which should change no owner and remove no task.
Target (issue 6) at 1M customers: assignment + tasks ≤ 60 s, peak RSS ≤ 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import ingest  # bench/ingest.py: `measured`, the child-process runner the benchmarks share
import nightly as nightly_bench  # bench/nightly.py: PREPARE (the demo month in a lake), AS_OF

AS_OF = nightly_bench.AS_OF
ROOT = Path(__file__).resolve().parent.parent
TARGET_S, TARGET_RSS = 60.0, 4 * 2**30
PG_DATABASE = "bankcrm_bench_tasks"  # its own: bench/nightly.py and bench/api.py use bankcrm_bench

# The marts (when the lake has none for AS_OF) and the publish into a fresh schema.
PUBLISH = """
import json, sys, time
from datetime import date, datetime, UTC
from pathlib import Path
from bankcrm.analytics import nightly, publish
from bankcrm.analytics.lake import Lake
from bankcrm.db import migrate
from bankcrm.db.session import make_engine, unit_of_work
from bankcrm.maintenance import policies
from bankcrm.tiering import service
lake, url, as_of = Lake(Path(sys.argv[1])), sys.argv[2], date.fromisoformat(sys.argv[3])
names = list(service.PRESETS)
out = {"marts_s": None}
if not nightly.mart_files(lake, "tiers", as_of):
    print(f"  nightly marts of {as_of} …", file=sys.stderr, flush=True)
    t = time.perf_counter()
    sets = [service.RuleSetVersion(service.parse_toml(service.preset_toml(n)), 1,
                                   datetime.now(UTC), "bench") for n in names]
    nightly.run(as_of, sets, lake=lake)
    out["marts_s"] = time.perf_counter() - t
print("  schema, presets, publish …", file=sys.stderr, flush=True)
t = time.perf_counter()
db = make_engine(url)
migrate.upgrade(db)
with unit_of_work(db) as session:
    service.install_presets(session, "bench")
    policies.install_presets(session, "bench")
    if int(sys.argv[4]):  # --capacity: every role may maintain that many (a fully staffed bank)
        from bankcrm.maintenance.policy import parse_toml, preset_toml
        from bankcrm.security.roles import Role
        spec = parse_toml(preset_toml("maintenance_3tier"))
        roomy = spec.model_copy(update={"capacity": {r: int(sys.argv[4]) for r in Role}})
        policies.save(session, "bench", roomy)
    published = publish.publish(session, lake, as_of, names)
out["publish_s"] = time.perf_counter() - t
out["customers"] = published.customers
out["tiers"] = published.counts
print(json.dumps(out, ensure_ascii=False))
"""

# The measured step: what `jobs.run` does, each of its two calls timed where it is called.
STEP = """
import json, sys, time
from datetime import date
from bankcrm.assignment import service as assignment
from bankcrm.db.session import make_engine, unit_of_work
from bankcrm.maintenance import jobs, policies, tasks
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session
url, as_of = sys.argv[1], date.fromisoformat(sys.argv[2])
seconds = {}
def timed(name, fn):
    def run(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds[name] = time.perf_counter() - t
    return run
assignment.run_nightly = timed("assignment", assignment.run_nightly)
tasks.generate = timed("tasks", tasks.generate)
db = make_engine(url)
with db.connect() as conn:  # connect (and on SQLite set the pragmas) before the clock starts
    conn.execute(text("SELECT 1"))
t0 = time.perf_counter()
with unit_of_work(db) as session:
    result = jobs.run(session, as_of, with_tasks=True)
    t1 = time.perf_counter()
t2 = time.perf_counter()
seconds["commit"] = t2 - t1
seconds["total"] = t2 - t0
a, k = result.assignment, result.tasks
with db.connect() as conn:  # after the clock: what the tables hold now
    q = lambda sql: conn.execute(text(sql)).all()
    stored = {
        "customers_active": q("SELECT count(*) FROM customers WHERE status = 'active'")[0][0],
        "owners": q("SELECT count(*) FROM customer_owners")[0][0],
        "owners_by_role": dict(q("SELECT role, count(*) FROM customer_owners GROUP BY role")),
        "staff_owning": q("SELECT count(DISTINCT staff_id) FROM customer_owners")[0][0],
        "tasks_open": q("SELECT count(*) FROM maintenance_tasks WHERE status = 'open'")[0][0],
        "tasks_by_kind": dict(q("SELECT kind, count(*) FROM maintenance_tasks GROUP BY kind")),
        "history": q("SELECT count(*) FROM assignment_history")[0][0],
        "staff_active": q("SELECT count(*) FROM staff WHERE status = 'active'")[0][0],
    }
    # customers of an assigned tier left without an owner (no eligible staff member with room)
    assigned = [r.tier for r in policies.in_force(Session(conn), a.policy, as_of).assign]
    stored["unowned_by_tier"] = dict(conn.execute(text(
        "SELECT t.tier, count(*) FROM customer_tiers t "
        "JOIN customers c ON c.customer_id = t.customer_id AND c.status = 'active' "
        "LEFT JOIN customer_owners o ON o.customer_id = t.customer_id "
        "WHERE t.rule_set = :rs AND t.tier IN :tiers AND o.customer_id IS NULL GROUP BY t.tier"
    ).bindparams(bindparam("tiers", expanding=True)), {"rs": a.policy, "tiers": assigned}).all())
print(json.dumps({
    "seconds": seconds,
    "assignment": {"policy": a.policy, "kept": a.kept, "changes": dict(a.changes),
                   "changed": a.changed, "leavers_queued": a.leavers_queued,
                   "unassigned": a.unassigned},
    "tasks": {"first": k.first.isoformat(), "last": k.last.isoformat(), "customers": k.customers,
              "owners": k.owners, "generated": k.generated, "removed": k.removed,
              "by_kind": dict(k.by_kind), "warnings": k.warnings},
    "stored": stored,
}, ensure_ascii=False))
"""


def _run_with_heartbeat(label: str, argv: list[str], every: float = 30.0) -> str:
    """Run a child (stderr passed through), printing a line every `every` s until it ends."""
    start = time.perf_counter()
    done = threading.Event()

    def beat() -> None:
        while not done.wait(every):
            print(f"  … {label}: {time.perf_counter() - start:.0f} s", flush=True)

    threading.Thread(target=beat, daemon=True).start()
    try:
        proc = subprocess.run(argv, check=True, stdout=subprocess.PIPE, text=True)
    finally:
        done.set()
    return proc.stdout


def fresh_url(kind: str, work: Path) -> str:
    if kind == "postgresql":
        return nightly_bench.db_url("postgresql", work, PG_DATABASE)
    db_file = work / "tasks-bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db_file}"


def prepare_lake(work: Path, customers: int, seed: int) -> None:
    if (work / "lake" / "raw" / "balances").is_dir():
        print(f"reusing the lake in {work / 'lake'}")
        return
    print(f"building the demo month for {customers:,} customers and ingesting it into {work}")
    t0 = time.perf_counter()
    _run_with_heartbeat(
        "building the demo lake",
        [sys.executable, "-c", nightly_bench.PREPARE, str(work), str(customers), str(seed)],
    )
    print(f"built and ingested the demo month in {time.perf_counter() - t0:.0f} s")


def step(url: str, label: str) -> dict[str, object]:
    """The measured step in a fresh child: its figures, wall seconds and peak RSS."""
    print(f"  {label}: assignment + tasks in a fresh process …", flush=True)
    load = os.getloadavg()[0]  # another heavy process on the machine shows here
    wall, rss, out = ingest.measured(STEP, url, AS_OF)
    figures: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    figures["child_wall_s"] = wall
    figures["peak_rss_bytes"] = rss
    figures["load_before"] = load
    return figures


def _by(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "—"


def report(kind: str, args: argparse.Namespace, setup: dict, first: dict, again: dict) -> bool:
    s, a, k, st = first["seconds"], first["assignment"], first["tasks"], first["stored"]
    rss_mib = first["peak_rss_bytes"] / 2**20
    ok_time, ok_rss = s["total"] <= TARGET_S, first["peak_rss_bytes"] <= TARGET_RSS
    rows = [
        ("customers (active, published)", f"{st['customers_active']:,}"),
        (f"tiers ({a['policy']})", _by(setup["tiers"].get(a["policy"], {}))),
        ("owned after assignment", f"{st['owners']:,} by {st['staff_owning']:,} staff"),
        ("  owners by role", _by(st["owners_by_role"])),
        ("kept", f"{a['kept']:,}"),
        ("changes by reason", f"{a['changed']:,} ({_by(a['changes'])})"),
        ("leavers queued", f"{a['leavers_queued']:,}"),
        ("unassigned", f"{a['unassigned']:,}"),
        ("  unowned by tier (stored)", _by(st["unowned_by_tier"])),
        ("staff (active)", f"{st['staff_active']:,}"),
        ("tasks: window", f"{k['first']} … {k['last']}"),
        ("tasks: customers / owners", f"{k['customers']:,} / {k['owners']:,}"),
        ("tasks generated", f"{k['generated']:,}"),
        ("  by kind", _by(k["by_kind"])),
        ("tasks removed", f"{k['removed']:,}"),
        ("time assignment", f"{s['assignment']:.2f} s"),
        ("time tasks", f"{s['tasks']:.2f} s"),
        ("time commit", f"{s['commit']:.2f} s"),
        ("total (measured step)", f"{s['total']:.2f} s  {'PASS' if ok_time else 'FAIL'} (≤ 60 s)"),
        ("peak RSS", f"{rss_mib:,.0f} MiB  {'PASS' if ok_rss else 'FAIL'} (≤ 4,096 MiB)"),
        ("child wall (with imports)", f"{first['child_wall_s']:.1f} s"),
        ("load average before (1 min)", f"{first['load_before']:.2f}"),
    ]
    if setup["marts_s"] is not None:
        rows.insert(0, ("nightly marts (not measured)", f"{setup['marts_s']:.1f} s"))
    rows.insert(0, ("schema + publish (not measured)", f"{setup['publish_s']:.1f} s"))
    s2, a2, k2 = again["seconds"], again["assignment"], again["tasks"]
    rerun = [
        (
            "time (assignment/tasks/commit)",
            (
                f"{s2['total']:.2f} s ({s2['assignment']:.2f} / {s2['tasks']:.2f} / "
                f"{s2['commit']:.2f})"
            ),
        ),
        ("peak RSS", f"{again['peak_rss_bytes'] / 2**20:,.0f} MiB"),
        ("load average before (1 min)", f"{again['load_before']:.2f}"),
        ("owners changed", f"{a2['changed']:,} ({_by(a2['changes'])}); kept {a2['kept']:,}"),
        ("unassigned / leavers queued", f"{a2['unassigned']:,} / {a2['leavers_queued']:,}"),
        ("tasks generated / removed", f"{k2['generated']:,} / {k2['removed']:,}"),
        (
            "tasks stored (open)",
            f"{again['stored']['tasks_open']:,} (first run {st['tasks_open']:,})",
        ),
    ]
    width = max(len(r[0]) for r in rows + rerun) + 2
    print(f"\nassignment + 45-day tasks, {args.customers:,} customers, {kind}, as of {AS_OF}")
    for name, value in rows:
        print(f"  {name:<{width}}{value}")
    for w in k["warnings"]:
        print(f"  warning: {w}")
    if a["unassigned"]:
        print(
            f"  note: {a['unassigned']:,} customers of assigned tiers found no eligible staff member "
            f"with room (the policy's capacities × the {st['staff_active']:,} active staff)"
        )
    print("idempotent re-run (same date, same database)")
    for name, value in rerun:
        print(f"  {name:<{width}}{value}")
    verdict = ok_time and ok_rss
    print(f"  → {'PASS' if verdict else 'FAIL'} vs issue 6's target (≤ 60 s and ≤ 4 GiB)")
    if (
        st["customers_active"]
        and abs(st["customers_active"] - args.customers) > args.customers // 10
    ):
        print(f"  note: the lake holds {st['customers_active']:,} customers, not --customers")
    return verdict


def bench_db(kind: str, args: argparse.Namespace, work: Path) -> dict[str, object]:
    print(f"[{kind}] fresh database, presets, publish of {AS_OF}")
    url = fresh_url(kind, work)
    t0 = time.perf_counter()
    out = _run_with_heartbeat(
        f"[{kind}] publish",
        [sys.executable, "-c", PUBLISH, str(work / "lake"), url, AS_OF, str(args.capacity)],
    )
    setup = json.loads(out.strip().splitlines()[-1])
    print(
        f"[{kind}] published {setup['customers']:,} customers in {setup['publish_s']:.1f} s"
        + (f" (marts computed first: {setup['marts_s']:.1f} s)" if setup["marts_s"] else "")
        + f", {time.perf_counter() - t0:.0f} s with the child's start"
    )
    first = step(url, f"[{kind}] run 1")
    print(f"  [{kind}] run 1: {first['seconds']['total']:.2f} s")  # type: ignore[index]
    again = step(url, f"[{kind}] run 2 (idempotent re-run)")
    print(f"  [{kind}] run 2: {again['seconds']['total']:.2f} s")  # type: ignore[index]
    passed = report(kind, args, setup, first, again)
    return {
        "customers": args.customers,
        "db": kind,
        "as_of": AS_OF,
        "setup": setup,
        "run": first,
        "rerun": again,
        "pass": passed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--keep", type=Path, help="build the lake here and keep (reuse) it")
    parser.add_argument(
        "--capacity",
        type=int,
        default=0,
        help="every role's capacity (0: the preset's). The demo bank has ~280 staff, so at 1M "
        "the preset capacities leave customers unassigned; a large value measures a fully "
        "staffed bank's workload",
    )
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="bankcrm-bench-tasks-"))
    try:
        prepare_lake(work, args.customers, args.seed)
        kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
        results = [bench_db(k, args, work) for k in kinds]
        out = Path(__file__).parent / "out"
        out.mkdir(exist_ok=True)
        for res in results:
            cap = f"-cap{args.capacity}" if args.capacity else ""
            name = f"tasks-{res['customers']}-{res['db']}{cap}.json"
            (out / name).write_text(json.dumps(res, ensure_ascii=False, indent=1), "utf-8")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
