"""The demo-bank generator: deterministic, realistic where a manager would look, and ingestible."""

from __future__ import annotations

import filecmp
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest

from bankcrm.analytics.ingest import ingest_drop
from bankcrm.analytics.ingest.contract import ROLES
from bankcrm.analytics.lake import Lake
from bankcrm.demo import DemoResult, DemoSpec, build_demo
from bankcrm.kit.idcard import birth_date_of, gender_of, is_valid

END = date(2026, 10, 31)
HISTORY_START = date(2025, 10, 1)  # 13 calendar months ending with END's
# 13 months of history, so every trajectory occurs; 2 daily drops after `end`.
SPEC = DemoSpec(customers=3_000, months=13, daily_tail=2)
MONEY = "DECIMAL(18,2)"


@dataclass(frozen=True)
class Built:
    out: Path
    result: DemoResult

    def csv(self, table: str, drop: str = END.isoformat(), **types: str) -> str:
        """A DuckDB table expression over one drop's file ("*": every drop), typed as told."""
        typed = f", types={types!r}" if types else ""
        return f"read_csv('{self.out / drop / table}.csv', header=true{typed})"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("demo")
    return Built(out, build_demo(SPEC, out))


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def test_same_spec_gives_byte_identical_files_and_another_seed_does_not(
    tmp_path: Path,
) -> None:
    spec = DemoSpec(customers=2_000, months=3, daily_tail=1)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    build_demo(spec, a)
    build_demo(spec, b)
    build_demo(DemoSpec(customers=2_000, months=3, daily_tail=1, seed=spec.seed + 1), c)

    names = _files(a)
    assert names == _files(b) == _files(c)
    assert len(names) == 2 * 11 + 1  # 2 drops × (10 tables + manifest) + the truth
    _, differ, errors = filecmp.cmpfiles(a, b, [str(n) for n in names], shallow=False)
    assert (differ, errors) == ([], [])
    _, differ, _ = filecmp.cmpfiles(a, c, [str(n) for n in names], shallow=False)
    # Only the product catalogue and the org tree are the same whatever the seed.
    fixed = ("products.csv", "org_units.csv")
    assert set(differ) == {str(n) for n in names if n.name not in fixed}


def test_realised_aum_split_is_within_2_points_of_the_target(tmp_path: Path) -> None:
    """Point AUM on `end` from the files: each account's latest balance on or before `end`."""
    out = tmp_path / "big"
    build_demo(DemoSpec(customers=20_000, months=1), out)
    drop = out / END.isoformat()
    shares = duckdb.sql(f"""
        WITH latest AS (
            SELECT account_id, arg_max(balance, as_of) AS balance
            FROM read_csv('{drop}/balances.csv', header=true, types={{'balance': '{MONEY}'}})
            GROUP BY account_id),
        aum AS (
            SELECT c.customer_id, coalesce(sum(l.balance), 0) AS aum
            FROM read_csv('{drop}/customers.csv', header=true) c
            LEFT JOIN read_csv('{drop}/accounts.csv', header=true) a USING (customer_id)
            LEFT JOIN latest l USING (account_id)
            GROUP BY c.customer_id)
        SELECT count(*) FILTER (WHERE aum < 50000) / count(*),
               count(*) FILTER (WHERE aum >= 50000 AND aum < 500000) / count(*),
               count(*) FILTER (WHERE aum >= 500000 AND aum < 3000000) / count(*),
               count(*) FILTER (WHERE aum >= 3000000) / count(*)
        FROM aum""").fetchall()[0]
    for share, target in zip(shares, (0.70, 0.25, 0.045, 0.005), strict=True):
        assert abs(share - target) <= 0.02, shares


def test_id_numbers_pass_the_check_digit_and_match_birth_date_and_gender(demo: Built) -> None:
    rows = duckdb.sql(f"""
        SELECT id_number, birth_date, gender FROM {demo.csv("customers", id_number="VARCHAR")}
        WHERE id_type = 'resident_id'""").fetchall()
    assert len(rows) > 0.95 * SPEC.customers
    assert [r[0] for r in rows if not is_valid(r[0])] == []
    assert [r for r in rows if birth_date_of(r[0]) != r[1] or gender_of(r[0]) != r[2]] == []


def test_no_two_customers_share_an_id_number(demo: Built) -> None:
    dupes = duckdb.sql(f"""
        SELECT id_number, count(*) FROM {demo.csv("customers", id_number="VARCHAR")}
        GROUP BY id_number HAVING count(*) > 1""").fetchall()
    assert dupes == []


def test_org_tree_is_one_branch_three_sub_branches_and_about_twelve_outlets(demo: Built) -> None:
    con = duckdb.connect()
    org = demo.csv("org_units", org_id="VARCHAR", parent_id="VARCHAR")
    con.sql(f"CREATE VIEW o AS SELECT * FROM {org}")
    levels = dict(con.sql("SELECT level, count(*) FROM o GROUP BY level").fetchall())
    assert levels["branch"] == 1
    assert levels["sub_branch"] == 3
    assert 10 <= levels["outlet"] <= 14
    # every sub-branch hangs under the branch and every outlet under a sub-branch
    wrong = con.sql("""
        SELECT c.org_id FROM o c JOIN o p ON c.parent_id = p.org_id
        WHERE (c.level = 'sub_branch' AND p.level <> 'branch')
           OR (c.level = 'outlet' AND p.level <> 'sub_branch')""").fetchall()
    assert wrong == []


def test_about_a_hundred_staff_with_contract_roles_in_every_outlet(demo: Built) -> None:
    con = duckdb.connect()
    con.sql(f"CREATE VIEW s AS SELECT * FROM {demo.csv('staff', org_id='VARCHAR')}")
    con.sql(f"CREATE VIEW o AS SELECT * FROM {demo.csv('org_units', org_id='VARCHAR')}")
    assert 80 <= con.sql("SELECT count(*) FROM s").fetchall()[0][0] <= 130
    roles = {r for (r,) in con.sql("SELECT DISTINCT role FROM s").fetchall()}
    assert roles <= set(ROLES)
    assert {"teller", "account_manager", "wealth_manager", "outlet_head"} <= roles
    headless = con.sql("""
        SELECT org_id FROM o WHERE level = 'outlet' AND org_id NOT IN
            (SELECT org_id FROM s WHERE role = 'outlet_head')""").fetchall()
    assert headless == []


def test_every_drop_is_accepted_by_the_ingest(demo: Built, tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    assert [d.name for d in demo.result.drops] == ["2026-10-31", "2026-11-01", "2026-11-02"]
    for drop in demo.result.drops:
        report = ingest_drop(drop, lake)
        assert report.status == "landed", (drop.name, dict(report.counts), report.problems[:5])


def test_demand_balances_are_the_running_sum_of_its_transactions(demo: Built) -> None:
    """Change mode, over all drops: a main 活期's balance minus the running sum of its signed
    transactions is the same on every balance row (0 for an account opened in the history),
    and every day with a transaction has a balance row."""
    con = duckdb.connect()
    con.sql(f"""CREATE VIEW t AS SELECT account_id, txn_date AS day,
        sum(CASE direction WHEN 'in' THEN amount ELSE -amount END) AS net
        FROM {demo.csv("transactions", "*", amount=MONEY)} GROUP BY ALL""")
    con.sql("""CREATE VIEW run AS SELECT account_id, day,
        sum(net) OVER (PARTITION BY account_id ORDER BY day) AS total FROM t""")
    con.sql(f"""CREATE VIEW b AS SELECT account_id, as_of AS day, balance
        FROM {demo.csv("balances", "*", balance=MONEY)}
        WHERE account_id IN (SELECT account_id FROM t)""")
    rows, accounts, inconsistent, new_not_zero = con.sql(f"""
        WITH k AS (SELECT b.account_id, b.balance - coalesce(r.total, 0) AS base
                   FROM b ASOF LEFT JOIN run r ON b.account_id = r.account_id AND b.day >= r.day),
        per AS (SELECT account_id, count(*) AS n, min(base) AS lo, max(base) AS hi
                FROM k GROUP BY account_id)
        SELECT sum(n), count(*), count(*) FILTER (WHERE lo <> hi),
               count(*) FILTER (WHERE a.opened_on >= DATE '{HISTORY_START}' AND hi <> 0)
        FROM per JOIN {demo.csv("accounts")} a USING (account_id)""").fetchall()[0]
    assert accounts > 0.95 * SPEC.customers
    assert rows > 10 * accounts
    assert (inconsistent, new_not_zero) == (0, 0)
    missing = con.sql("SELECT count(*) FROM t ANTI JOIN b USING (account_id, day)").fetchall()
    assert missing == [(0,)]


def test_drifters_lose_aum_and_send_money_to_other_banks_and_growers_gain(demo: Built) -> None:
    con = duckdb.connect()
    con.sql(f"CREATE VIEW truth AS SELECT * FROM '{demo.out}/_truth/customers.parquet'")
    con.sql(f"CREATE VIEW bal AS SELECT * FROM {demo.csv('balances', balance=MONEY)}")
    con.sql(f"""CREATE MACRO aum_on(d) AS TABLE
        SELECT a.customer_id, coalesce(sum(l.balance), 0) AS aum
        FROM {demo.csv("accounts")} a
        LEFT JOIN (SELECT account_id, arg_max(balance, as_of) AS balance FROM bal
                   WHERE as_of <= d GROUP BY account_id) l USING (account_id)
        GROUP BY a.customer_id""")
    ratio = dict(
        con.sql("""
        SELECT t.trajectory, median(e.aum / s.aum)
        FROM truth t JOIN aum_on(DATE '2026-10-31') e USING (customer_id)
        JOIN aum_on(DATE '2026-04-30') s USING (customer_id)
        WHERE s.aum > 0 GROUP BY t.trajectory""").fetchall()
    )
    assert ratio["drift"] < 0.6 < 0.9 < ratio["stable"] < 1.1 < 1.4 < ratio["grow"], ratio
    # Money sent to other banks in the 90 days after the drift start vs the 90 days before
    # (stable customers: around 2026-06-01).
    flows = dict(
        con.sql(f"""
        WITH x AS (SELECT t.trajectory, o.amount,
                          o.txn_date - coalesce(t.drift_start, DATE '2026-06-01') AS k
                   FROM truth t JOIN {demo.csv("transactions", amount=MONEY)} o USING (customer_id)
                   WHERE o.direction = 'out' AND o.counterparty_bank <> 'DEMO')
        SELECT trajectory, sum(amount) FILTER (WHERE k >= 0 AND k < 90)
                           / sum(amount) FILTER (WHERE k < 0 AND k >= -90)
        FROM x WHERE trajectory <> 'grow' GROUP BY trajectory""").fetchall()
    )
    assert flows["drift"] > 3 * flows["stable"], flows
    assert 0 < flows["stable"] < 2, flows


def test_daily_tail_adds_new_customers_at_a_plausible_rate(demo: Built) -> None:
    """New accounts arrive evenly: no pile-up of young customers on the tail's last day."""
    counts = [
        duckdb.sql(f"SELECT count(*) FROM {demo.csv('customers', d.name)}").fetchall()[0][0]
        for d in demo.result.drops
    ]
    per_day = [b - a for a, b in pairwise(counts)]
    # ~8% of customers open during the 13 months of history and tail: ~0.6 a day here
    assert all(0 <= n <= 5 for n in per_day), counts
    assert counts[-1] <= SPEC.customers


def test_a_tail_day_looks_like_the_history(demo: Built) -> None:
    """No kind of transaction piles up in the daily tail (e.g. a month's card bills or a month's
    openings on its last day): per memo, at most twice what the same day a month earlier or
    an average day of the history's last 4 weeks saw."""
    tail = [str(demo.out / d.name / "transactions.csv") for d in demo.result.drops[1:]]
    piled = duckdb.sql(f"""
        WITH now AS (SELECT txn_date AS day, memo, count(*) AS n
                     FROM read_csv({tail}, header=true) GROUP BY ALL),
        hist AS (SELECT txn_date AS day, memo FROM {demo.csv("transactions")}),
        same_day AS (SELECT day + INTERVAL 1 MONTH AS day, memo, count(*) AS n
                     FROM hist GROUP BY ALL),
        usual AS (SELECT memo, count(*) / 28 AS n FROM hist
                  WHERE day > DATE '{END}' - 28 GROUP BY memo)
        SELECT now.day, now.memo, now.n, s.n, u.n FROM now
        LEFT JOIN same_day s USING (day, memo) LEFT JOIN usual u USING (memo)
        WHERE now.n > 2 * greatest(coalesce(s.n, 0), coalesce(u.n, 0)) + 10""").fetchall()
    assert piled == []
