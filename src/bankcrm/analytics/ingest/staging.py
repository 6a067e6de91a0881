"""Validate one table of a drop into a staging Parquet file and record every problem.

The staging file holds the typed columns, the rule masks `_e*` and `_raw` (the original cells of
rows that broke a cell rule), in file order. Everything after the single pass over the source —
decoding masks, duplicate keys, references, landing — reads only this columnar file, through the
view `stg_<table>` that adds `_line` from the Parquet row index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from bankcrm.analytics.ingest import readers
from bankcrm.analytics.ingest.contract import TABLES, Table
from bankcrm.analytics.ingest.problems import IngestReport, Problem, TableStats, problem
from bankcrm.analytics.ingest.rules import (
    NATIVE_TYPES,
    Check,
    bit,
    guarded_sql,
    lit,
    mask_names,
    one,
    pass_sql,
    q,
    run,
)


@dataclass
class Staged:
    table: Table
    file: Path
    staging: Path
    columns: list[str]  # contract columns then unknown extra columns, as they land
    checks: list[Check]
    rowrej: str  # DuckDB table (_line, reason) of rows rejected by key or reference rules
    structural: list[Problem] = field(default_factory=list)
    row_rejects: int = 0  # rows put in `rowrej` so far

    @property
    def landing_ready(self) -> bool:
        """True when `staging` already is the landing file (the guarded fast path)."""
        return not self.checks

    @property
    def view(self) -> str:
        """The staging rows with `_line` (as a spreadsheet shows it)."""
        return f"stg_{self.table.name}"

    @property
    def masks(self) -> list[str]:
        return mask_names(self.checks)

    def clean(self) -> str:
        """SQL condition for a row that passed every cell rule."""
        return " AND ".join(f"{m} = 0" for m in self.masks) or "true"

    def accepted(self) -> str:
        """SQL condition for a row that lands."""
        if not self.row_rejects:  # the usual case: no anti-join over every line
            return self.clean()
        return f"{self.clean()} AND _line NOT IN (SELECT _line FROM {self.rowrej})"


def open_source(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    path: Path,
    *,
    encoding: str,
    delimiter: str | None,
    workdir: Path,
) -> readers.Source:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return readers.csv_source(
            con, path, table.name, encoding=encoding, delimiter=delimiter, workdir=workdir
        )
    if suffix == ".parquet":
        return readers.parquet_source(con, path, table.name)
    return readers.xlsx_source(con, path, table.name)


def check_header(
    table: Table, path: Path, header: list[str], report: IngestReport
) -> list[str] | None:
    """Extra (unknown) columns to keep, or None when the header makes the file unusable."""
    seen: set[str] = set()
    ok = True
    for name in header:
        if name in seen:
            report.add(problem(table.name, path, 1, name, "duplicate_column"))
            ok = False
        seen.add(name)
    for name in table.required_columns:
        if name not in seen:
            report.add(problem(table.name, path, 1, name, "missing_column", name))
            ok = False
    extra = [h for h in header if h not in table.column_names]
    for name in extra:
        report.add(problem(table.name, path, 1, name, "unknown_column"))
    return extra if ok else None


def stage(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    path: Path,
    *,
    as_of: date,
    encoding: str,
    delimiter: str | None,
    workdir: Path,
    report: IngestReport,
) -> Staged | None:
    """One pass over the file: parse, check, write staging. None when the file is unusable."""
    stats = report.tables[table.name] = TableStats(table.name, path.name)
    try:
        src = open_source(con, table, path, encoding=encoding, delimiter=delimiter, workdir=workdir)
    except readers.FileUnreadable as exc:
        report.add(exc.problem)
        return None
    extra = check_header(table, path, src.header, report)
    if extra is None:
        return None
    stats.unknown_columns = extra
    present = set(src.header)
    fast_src, native = src, frozenset[str]()
    if path.suffix.lower() == ".csv":  # let DuckDB's CSV reader parse dates and amounts itself
        types = {c.name: NATIVE_TYPES[c.kind] for c in table.columns if c.kind in NATIVE_TYPES}
        types = {k: v for k, v in types.items() if k in present}
        native = frozenset(types)
        fast_src = readers.csv_source(
            con,
            path,
            table.name,
            encoding=encoding,
            delimiter=delimiter,
            workdir=workdir,
            types=types,
            rejects=False,
        )
    staged = _fast_path(con, table, path, fast_src, present, extra, as_of, workdir, native)
    if staged is None:
        staged = _full_pass(con, table, path, src, present, extra, as_of, workdir, report)
        if staged is None:
            return None
    _create_view(con, staged)
    for p in staged.structural:
        report.add(p)
    stats.rows_read = _count(con, staged, "true") + len(staged.structural)
    if table.must_have_rows and stats.rows_read == 0:
        report.add(problem(table.name, path, 2, None, "no_rows"))
    _cell_problems(con, staged, report)
    return staged


def _fast_path(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    path: Path,
    src: readers.Source,
    present: set[str],
    extra: list[str],
    as_of: date,
    workdir: Path,
    native: frozenset[str],
) -> Staged | None:
    """Write the landing file in one guarded pass; None when any row breaks a rule."""
    landing = workdir / f"{table.name}.landing.parquet"
    try:
        run(
            con,
            f"COPY ({guarded_sql(table, src.view, present, extra, as_of, native)}) TO "
            f"{lit(str(landing))} (FORMAT parquet, COMPRESSION zstd)",
        )
    except duckdb.Error:
        # the guard fired on a bad row, or a line cannot be read: the full pass reports it
        return None
    return Staged(table, path, landing, [*table.column_names, *extra], [], _rowrej(con, table))


def _full_pass(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    path: Path,
    src: readers.Source,
    present: set[str],
    extra: list[str],
    as_of: date,
    workdir: Path,
    report: IngestReport,
) -> Staged | None:
    """Parse and check every row, keeping masks and raw cells so every problem can be reported."""
    sql, checks = pass_sql(table, src.view, present, extra, as_of)
    staging = workdir / f"{table.name}.staging.parquet"
    try:
        run(con, f"COPY ({sql}) TO {lit(str(staging))} (FORMAT parquet, COMPRESSION snappy)")
    except duckdb.Error as exc:
        report.add(
            problem(table.name, path, None, None, "unreadable_file", str(exc).splitlines()[0])
        )
        return None
    staged = Staged(
        table, path, staging, [*table.column_names, *extra], checks, _rowrej(con, table)
    )
    staged.structural = readers.csv_rejects(con, src, table.name, path)
    return staged


def _rowrej(con: duckdb.DuckDBPyConnection, table: Table) -> str:
    name = f"rowrej_{table.name}"
    run(con, f"CREATE OR REPLACE TABLE {name} (_line BIGINT, reason VARCHAR)")
    return name


def _count(con: duckdb.DuckDBPyConnection, s: Staged, where: str) -> int:
    row = one(con, f"SELECT count(*) FROM {s.view} WHERE {where}")
    return int(str(row[0])) if row else 0


def _create_view(con: duckdb.DuckDBPyConnection, s: Staged) -> None:
    """`_line` = staging row index + 2, shifted past any CSV lines rejected while reading."""
    src = f"read_parquet({lit(str(s.staging))}, file_row_number = true)"
    lines = sorted(p.line or 0 for p in s.structural)
    if not lines:
        run(
            con,
            f"CREATE OR REPLACE VIEW {s.view} AS SELECT file_row_number + 2 AS _line, * "
            f"EXCLUDE (file_row_number) FROM {src}",
        )
        return
    # a row numbered L without the rejects sits after the i-th reject r_i when L >= r_i - i + 1
    steps = {r - i + 1: i for i, r in enumerate(lines, start=1)}
    values = ", ".join(f"({t}, {i})" for t, i in sorted(steps.items()))
    run(
        con,
        f"CREATE OR REPLACE VIEW {s.view} AS SELECT st.file_row_number + 2 + coalesce(sh.i, 0) "
        f"AS _line, st.* EXCLUDE (file_row_number) FROM {src} st "
        f"ASOF LEFT JOIN (VALUES {values}) sh(t, i) ON st.file_row_number + 2 >= sh.t",
    )


def _cell_problems(con: duckdb.DuckDBPyConnection, s: Staged, report: IngestReport) -> None:
    if not s.checks:
        return
    src = s.view
    bad = " OR ".join(f"{m} <> 0" for m in s.masks)
    sums = ", ".join(f"sum(({m} >> {b}) & 1)" for m, b in (bit(i) for i in range(len(s.checks))))
    counts = one(con, f"SELECT {sums} FROM {src} WHERE {bad}")
    for i, (check, n) in enumerate(zip(s.checks, counts, strict=True)):
        if not n:
            continue
        m, b = bit(i)
        rows = con.execute(
            f"SELECT _line, _raw.{q(check.column)} FROM {src} WHERE ({m} >> {b}) & 1 = 1 "
            f"ORDER BY _line LIMIT {report.detail_limit}"
        ).fetchall()
        for line, value in rows:
            report.add(
                problem(s.table.name, s.file, int(line), check.column, check.rule, value=value)
            )
        total = int(str(n))
        if total > len(rows):
            report.counts[(s.table.name, check.rule)] += total - len(rows)


def duplicate_keys(con: duckdb.DuckDBPyConnection, s: Staged, report: IngestReport) -> None:
    key = s.table.key
    if not key:
        return
    cols = ", ".join(q(k) for k in key)
    not_null = " AND ".join(f"{q(k)} IS NOT NULL" for k in key)
    # Count first (one aggregate over the keys alone); collect the lines only when there are
    # duplicates. DuckDB's hash() collides often on IDs like T000000000100001, so group on the
    # keys themselves.
    keys = f"SELECT {cols} FROM {s.view} WHERE {not_null}"
    if not one(con, f"SELECT count(*) FROM ({keys} GROUP BY ALL HAVING count(*) > 1)")[0]:
        return
    groups = con.execute(
        f"SELECT concat_ws('|', {cols}), list(_line ORDER BY _line) FROM {s.view} "
        f"WHERE {not_null} GROUP BY {cols} HAVING count(*) > 1 ORDER BY min(_line)"
    ).fetchall()
    label = "+".join(key)
    rows = []
    for value, lines in groups:
        for line in lines:
            others = "、".join(str(x) for x in lines if x != line)
            p = problem(
                s.table.name,
                s.file,
                int(line),
                label,
                "duplicate_key",
                f"与第 {others} 行相同",
                value,
            )
            report.add(p)
            rows.append((int(line), p.reason))
    _reject(con, s, rows)


def _reject(con: duckdb.DuckDBPyConnection, s: Staged, rows: list[tuple[int, str]]) -> None:
    if rows:
        con.executemany(f"INSERT INTO {s.rowrej} VALUES (?, ?)", rows)
        s.row_rejects += len(rows)


def references(
    con: duckdb.DuckDBPyConnection,
    s: Staged,
    staged: dict[str, Staged],
    lake_files: dict[str, list[Path]],
    report: IngestReport,
    *,
    quarantine: bool,
) -> None:
    """Every reference resolves to an accepted row of the drop or to a row already in the lake."""
    for col in s.table.columns:
        if col.ref is None:
            continue
        parent = staged.get(col.ref.table)
        if parent is None and not quarantine:
            continue  # the parent file itself failed; its own problems already block the drop
        c, pk = q(col.name), q(col.ref.column)
        # Look in the drop first; only what it lacks is looked up in the lake's earlier extracts,
        # so a daily drop never scans a year of snapshots when its own parent file has the keys.
        missing = f"SELECT _line, {c} AS v FROM {s.view} WHERE {c} IS NOT NULL AND {s.clean()}"
        if parent is not None:
            missing += (
                f" AND {c} NOT IN (SELECT {pk} FROM {parent.view} "
                f"WHERE {parent.accepted()} AND {pk} IS NOT NULL)"
            )
        run(con, f"CREATE OR REPLACE TEMP TABLE missing_ref AS {missing}")
        if not one(con, "SELECT count(*) FROM missing_ref")[0]:
            continue
        files = lake_files.get(col.ref.table, [])
        if files:
            file_list = "[" + ", ".join(lit(str(f)) for f in files) + "]"
            run(
                con,
                f"DELETE FROM missing_ref WHERE v IN "
                f"(SELECT {pk} FROM read_parquet({file_list}) WHERE {pk} IS NOT NULL)",
            )
        rejected_keys = (
            f"(SELECT {pk} FROM {parent.view} WHERE {pk} IS NOT NULL)"
            if parent is not None
            else "(SELECT NULL)"
        )
        rows = con.execute(
            f"SELECT _line, v, v IN {rejected_keys} FROM missing_ref ORDER BY _line"
        ).fetchall()
        out = []
        for line, value, was_rejected in rows:
            rule = "rejected_ref" if was_rejected else "dangling_ref"
            p = problem(
                s.table.name,
                s.file,
                int(line),
                col.name,
                rule,
                f"{col.ref.table}.{col.ref.column}",
                value,
            )
            report.add(p)
            out.append((int(line), p.reason))
        _reject(con, s, out)


def finish_stats(con: duckdb.DuckDBPyConnection, s: Staged, report: IngestReport) -> None:
    stats = report.tables[s.table.name]
    stats.rows_landed = _count(con, s, s.accepted())
    stats.rows_rejected = stats.rows_read - stats.rows_landed


__all__ = ["TABLES", "Staged", "duplicate_keys", "finish_stats", "references", "stage"]
