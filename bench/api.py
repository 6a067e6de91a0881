"""API benchmark: the customer list (filtered, paged) and the customer 360 under 50 concurrent
users, on SQLite and on PostgreSQL, against the app serving a 1M-customer bank.

    uv run python bench/api.py --customers 1000000 --keep /tmp/b1m [--db sqlite|postgresql|both]

Prepares (once per --keep folder) the demo month in a lake and its nightly marts (as
bench/nightly.py does), then per database: a fresh schema, the publish of the nightly results,
owners by the assignment policy (issue 6), users from HR and personal access tokens for three
roles. The API runs under uvicorn (6 workers; 2 on SQLite; loopback only); locust (headless)
runs 50 users — staff with a think time of 0.5–2 s between clicks — arriving 5 a second,
then measured for a bounded time once all are active (locust --reset-stats: the ramp is not in
the figures), each user a role's token, choosing among URLs collected beforehand (lists twice
as often as 360 pages):
  - list:  /api/v1/customers filtered by tier, by 月日均 ≥ 5万, and ranked by 月日均, following
           next_cursor pages,
           as an outlet head, a sub-branch president and a wealth manager;
  - 360:   /api/v1/customers/{id} of customers in those users' scopes.
Prints p50/p95/p99 and errors. Target (issue 5), PostgreSQL: p95 ≤ 200 ms, zero errors.
Every request also writes its audit row (hash chain): the figures include it.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import nightly as nightly_bench  # bench/nightly.py: PREPARE and the PostgreSQL database helper

AS_OF = date(2026, 10, 31)
HERE = Path(__file__).parent
ROLES = ("outlet_head", "sub_branch_president", "wealth_manager")

SETUP = """
import json, sys, time
from datetime import date, datetime, UTC
from pathlib import Path
from sqlalchemy import select, func
from bankcrm.analytics import nightly, publish
from bankcrm.analytics.lake import Lake
from bankcrm.assignment import service as assignment
from bankcrm.assignment.models import CustomerOwner
from bankcrm.config import Settings
from bankcrm.db import migrate
from bankcrm.db.session import make_engine, unit_of_work
from bankcrm.maintenance import policies
from bankcrm.security import service as security
from bankcrm.security.actor import Actor
from bankcrm.security.models import User
from bankcrm.tiering import service
lake, url, as_of = Lake(Path(sys.argv[1])), sys.argv[2], date.fromisoformat(sys.argv[3])
names = list(service.PRESETS)
t0 = time.perf_counter()
if not nightly.mart_files(lake, "tiers", as_of):
    sets = [service.RuleSetVersion(service.parse_toml(service.preset_toml(n)), 1, datetime.now(UTC), "bench") for n in names]
    nightly.run(as_of, sets, lake=lake)
db = make_engine(url)
migrate.upgrade(db)
with unit_of_work(db) as session:
    service.install_presets(session, "bench")
    policies.install_presets(session, "bench")
    publish.publish(session, lake, as_of, names)
with unit_of_work(db) as session:
    owned = assignment.run_nightly(session, as_of).changed
    bench = Actor(None, "bench", None, frozenset())
    security.sync_from_staff(session, bench)
    tokens = {}
    for role in sys.argv[4].split(","):
        # the staff member of that role with the most customers in scope (an owner for the front line)
        if role == "wealth_manager":
            staff_id = session.execute(select(CustomerOwner.staff_id).where(CustomerOwner.role == role)
                .group_by(CustomerOwner.staff_id).order_by(func.count().desc()).limit(1)).scalar_one()
            user = session.scalars(select(User).where(User.staff_id == staff_id)).one()
        else:
            from bankcrm.orgs.models import Staff
            st = session.scalars(select(Staff).where(Staff.role == role, Staff.status == "active").order_by(Staff.staff_id)).first()
            user = session.scalars(select(User).where(User.staff_id == st.staff_id)).one()
        actor = security.actor_for(session, user)
        _row, token = security.create_token(session, actor, "bench", 1)
        tokens[role] = token
print(json.dumps({"seconds": time.perf_counter() - t0, "owned": owned, "tokens": tokens}))
"""


def start_server(url: str, lake: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BANKCRM_DATABASE_URL": url, "BANKCRM_LAKE_PATH": str(lake)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bankcrm.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    for _ in range(240):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/auth/csrf", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise SystemExit("the app did not start")


def collect(
    base: str, tokens: dict[str, str], pages: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(token, path) pairs: list pages with filters following next_cursor, and 360 paths."""
    lists: list[tuple[str, str]] = []
    details: list[tuple[str, str]] = []
    filters = ("tier=大众", "aum_min=50000", "sort=-aum_month_avg")
    with httpx.Client(base_url=base, timeout=60) as c:
        for role, token in tokens.items():
            h = {"Authorization": f"Bearer {token}"}
            for f in filters:
                cursor = None
                for _ in range(pages):
                    path = f"/api/v1/customers?limit=50&{f}" + (
                        f"&cursor={cursor}" if cursor else ""
                    )
                    r = c.get(path, headers=h)
                    r.raise_for_status()
                    body = r.json()
                    lists.append((role, r.request.url.raw_path.decode()))  # percent-encoded
                    details += [
                        (role, f"/api/v1/customers/{i['customer_id']}") for i in body["items"][:10]
                    ]
                    cursor = body["next_cursor"]
                    if not cursor:
                        break
    return lists, details


def run_locust(
    base: str, plan: dict[str, object], args: argparse.Namespace, work: Path
) -> dict[str, dict[str, float]]:
    """Locust headless: args.users users with think time, for args.seconds; stats per endpoint."""
    plan_file = work / "locust-plan.json"
    plan_file.write_text(json.dumps(plan, ensure_ascii=False), "utf-8")
    prefix = work / "locust"
    env = {
        **os.environ,
        "BENCH_PLAN": str(plan_file),
        "BENCH_WAIT_MIN": str(args.wait_min),
        "BENCH_WAIT_MAX": str(args.wait_max),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(HERE / "locust_api.py"),
            "--headless",
            "-u",
            str(args.users),
            "-r",
            str(args.spawn_rate),
            "-t",
            f"{args.seconds + math.ceil(args.users / args.spawn_rate)}s",
            "--reset-stats",  # the figures: from the moment every user is active
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    stats: dict[str, dict[str, float]] = {}
    with Path(f"{prefix}_stats.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Name"] in ("list", "360"):
                stats[row["Name"]] = {
                    "requests": int(row["Request Count"]),
                    "errors": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50_ms": float(row["50%"]),
                    "p95_ms": float(row["95%"]),
                    "p99_ms": float(row["99%"]),
                    "max_ms": float(row["Max Response Time"]),
                }
    return stats


def bench_db(kind: str, args: argparse.Namespace, work: Path) -> dict[str, object]:
    lake = work / "lake"
    if kind == "sqlite":
        db_file = work / "api-bench.db"
        db_file.unlink(missing_ok=True)
        url = f"sqlite:///{db_file}"
    else:
        url = nightly_bench.db_url("postgresql", work)
    t0 = time.perf_counter()
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(lake), url, AS_OF.isoformat(), ",".join(ROLES)],
        check=True,
        capture_output=True,
        text=True,
    )
    prepared = json.loads(setup.stdout.strip().splitlines()[-1])
    print(
        f"[{kind}] published and prepared in {time.perf_counter() - t0:.0f} s "
        f"({prepared['owned']:,} owners)"
    )
    port = 18_000 + random.randrange(1000)
    # SQLite has one writer and every request appends its audit row: 2 processes (4 contend for
    # the write lock until requests time out); PostgreSQL: 6 (requests wait on the database
    # most of their time: more processes overlap it)
    workers = args.workers or (2 if kind == "sqlite" else 6)
    server = start_server(url, lake, port, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        tokens: dict[str, str] = prepared["tokens"]
        lists, details = collect(base, tokens, args.pages)
        results: dict[str, object] = {
            "db": kind,
            "customers": args.customers,
            "users": args.users,
            "seconds": args.seconds,
            "workers": workers,
            "think_s": [args.wait_min, args.wait_max],
        }
        plan = {"tokens": tokens, "lists": lists, "details": details}
        results["stats"] = run_locust(base, plan, args, work)
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", type=Path, help="build the lake here and keep (reuse) it")
    parser.add_argument("--users", type=int, default=50, help="concurrent users")
    parser.add_argument("--seconds", type=int, default=60, help="measured duration (all users on)")
    parser.add_argument(
        "--spawn-rate", type=float, default=5.0, help="users starting per second (the ramp)"
    )
    parser.add_argument("--wait-min", type=float, default=0.5, help="think time between clicks (s)")
    parser.add_argument("--wait-max", type=float, default=2.0)
    parser.add_argument("--pages", type=int, default=8, help="list pages followed per filter")
    parser.add_argument(
        "--workers", type=int, default=0, help="uvicorn workers (default: SQLite 2, PostgreSQL 6)"
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bankcrm-bench-api-"))
    try:
        if not (work / "lake" / "raw" / "balances").is_dir():
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    nightly_bench.PREPARE,
                    str(work),
                    str(args.customers),
                    str(args.seed),
                ],
                check=True,
            )
        kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
        all_results = [bench_db(k, args, work) for k in kinds]
        out = HERE / "out"
        out.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d")
        for res in all_results:
            (out / f"api-{res['customers']}-{res['db']}.json").write_text(
                json.dumps({**res, "date": stamp}, ensure_ascii=False, indent=1), "utf-8"
            )
            print(
                f"\nAPI {res['customers']:,} customers, {res['db']}, {res['users']} users "
                f"(think time {args.wait_min}–{args.wait_max} s), {res['workers']} uvicorn workers, "
                f"{res['seconds']} s"
            )
            print(
                f"  {'endpoint':<8} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
            )
            for name, r in res["stats"].items():  # type: ignore[union-attr]
                print(
                    f"  {name:<8} {r['requests']:9d} {r['rps']:7.1f} {r['p50_ms']:8.0f} "
                    f"{r['p95_ms']:8.0f} {r['p99_ms']:8.0f} {r['errors']:7d}"
                )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
