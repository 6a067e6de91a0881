"""Ingest one extract drop into the lake: validate everything, then land all of it or nothing.

Order (DESIGN §4): file present and readable → header → cells parse → enums → keys unique →
references → domain checks; all before anything is written. Default policy: any error → nothing
lands and the lake is unchanged. `quarantine=True` lands the valid rows and writes the rejected
ones, with reasons, beside the report.
"""

from __future__ import annotations

import shutil
import time
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from bankcrm.analytics import lake as lakes
from bankcrm.analytics.ingest import staging
from bankcrm.analytics.ingest.contract import EXTENSIONS, TABLE_ORDER, TABLES
from bankcrm.analytics.ingest.problems import RULES, IngestReport, Problem
from bankcrm.analytics.ingest.readers import ENCODINGS
from bankcrm.analytics.ingest.report import write_reports
from bankcrm.analytics.ingest.rules import LAKE_TYPES, lit, q, run
from bankcrm.errors import InvalidInput

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DropOptions:
    as_of: date
    encoding: str
    delimiter: str | None


def resolve_options(
    drop: Path, *, as_of: date | None, encoding: str | None, delimiter: str | None
) -> DropOptions:
    """Command-line values win over the drop's manifest.toml; the as_of may be the folder name."""
    if not drop.is_dir():
        raise InvalidInput(f"批次目录不存在：{drop}", loc=("drop",))
    manifest: dict[str, object] = {}
    if (drop / "manifest.toml").is_file():
        try:
            manifest = tomllib.loads((drop / "manifest.toml").read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"manifest.toml 无法解析：{exc}", loc=("manifest.toml",)) from exc
    if as_of is None:
        raw = manifest.get("as_of") or drop.name
        try:
            as_of = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError:
            raise InvalidInput(
                "无法确定本批数据日期：请用 --as-of YYYY-MM-DD 指定，或在 manifest.toml 中写 as_of",
                loc=("as_of",),
            ) from None
    enc = (encoding or str(manifest.get("encoding") or "utf-8")).lower()
    if enc not in ENCODINGS:
        raise InvalidInput(f"不支持的编码 {enc}：可选 utf-8 或 gb18030", loc=("encoding",))
    delim = delimiter or (str(manifest["delimiter"]) if manifest.get("delimiter") else None)
    if delim not in (None, ",", "|"):
        raise InvalidInput(f"不支持的分隔符 {delim!r}：可选 , 或 |", loc=("delimiter",))
    return DropOptions(as_of, enc, delim)


def find_files(drop: Path, report: IngestReport) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for name in TABLE_ORDER:
        table = TABLES[name]
        hits = [drop / f"{name}{ext}" for ext in EXTENSIONS if (drop / f"{name}{ext}").is_file()]
        if len(hits) > 1:
            report.add(
                Problem(
                    name,
                    hits[1].name,
                    None,
                    None,
                    None,
                    "duplicate_file",
                    RULES["duplicate_file"] + "：" + "、".join(h.name for h in hits),
                )
            )
        elif hits:
            found[name] = hits[0]
        elif not table.optional:
            report.add(
                Problem(
                    name,
                    f"{name}.csv",
                    None,
                    None,
                    None,
                    "missing_file",
                    RULES["missing_file"] + f"（{name}.csv / .parquet / .xlsx）",
                )
            )
    return found


def ingest_drop(
    drop: Path,
    lake: lakes.Lake,
    *,
    as_of: date | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    quarantine: bool = False,
    threads: int = 2,
    memory_limit: str = "3GB",
    detail_limit: int = 10_000,
    progress: Progress | None = None,
) -> IngestReport:
    """Validate `drop` and land it for its as_of; returns the report (status tells the outcome)."""
    started = time.perf_counter()
    opts = resolve_options(drop, as_of=as_of, encoding=encoding, delimiter=delimiter)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    report = IngestReport(run_id, str(drop), opts.as_of, quarantine, detail_limit=detail_limit)
    with lakes.locked(lake):
        lakes.recover(lake)
        workdir = lake.tmp_dir(run_id)
        workdir.mkdir(parents=True)
        try:
            con = _connect(workdir, threads, memory_limit)
            try:
                staged = _validate(con, drop, lake, opts, report, workdir, quarantine, progress)
                blocked = report.errors > 0 and not quarantine
                if not blocked:
                    _land(con, lake, run_id, opts.as_of, staged, report, workdir, progress)
                report.status = (
                    "rejected" if blocked else "landed_with_rejects" if report.errors else "landed"
                )
            finally:
                con.close()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    write_reports(lake, report)
    return report


def _connect(workdir: Path, threads: int, memory_limit: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        config={
            "threads": threads,
            "memory_limit": memory_limit,
            "preserve_insertion_order": True,
            "temp_directory": str(workdir / "spill"),
        }
    )
    return con


def _validate(
    con: duckdb.DuckDBPyConnection,
    drop: Path,
    lake: lakes.Lake,
    opts: DropOptions,
    report: IngestReport,
    workdir: Path,
    quarantine: bool,
    progress: Progress | None,
) -> dict[str, staging.Staged]:
    files = find_files(drop, report)
    # references may resolve to earlier extracts; this date's own folders are being replaced
    lake_files = {t: lake.files(t, before=opts.as_of) for t in TABLE_ORDER}
    staged: dict[str, staging.Staged] = {}
    for i, (name, path) in enumerate(files.items()):
        if progress:
            progress(f"校验 {path.name}", i, len(files))
        s = staging.stage(
            con,
            TABLES[name],
            path,
            as_of=opts.as_of,
            encoding=opts.encoding,
            delimiter=opts.delimiter,
            workdir=workdir,
            report=report,
        )
        if s is None:
            continue
        staging.duplicate_keys(con, s, report)
        staged[name] = s
        staging.references(con, s, staged, lake_files, report, quarantine=quarantine)
        staging.finish_stats(con, s, report)
    if progress:
        progress("校验完成", len(files), len(files))
    return staged


def _land(
    con: duckdb.DuckDBPyConnection,
    lake: lakes.Lake,
    run_id: str,
    as_of: date,
    staged: dict[str, staging.Staged],
    report: IngestReport,
    workdir: Path,
    progress: Progress | None,
) -> None:
    """Write each table's landing rows to staging folders, then commit them as one unit."""
    out: dict[str, Path] = {}
    for i, (name, s) in enumerate(staged.items()):
        if progress:
            progress(f"写入数据湖 {name}", i, len(staged))
        folder = workdir / "land" / name / lake.raw_dir(name, as_of).name
        folder.mkdir(parents=True)
        target = folder / "part-0.parquet"
        if s.landing_ready and not report.tables[name].rows_rejected:
            s.staging.rename(target)  # the guarded pass already wrote the landing file
        else:
            cols = ", ".join(_landed(c, s) for c in s.columns)
            run(
                con,
                f"COPY (SELECT {cols} FROM {s.view} WHERE {s.accepted()}) "
                f"TO {lit(str(target))} (FORMAT parquet, COMPRESSION zstd)",
            )
        out[name] = folder
        if report.quarantine and report.tables[name].rows_rejected:
            _write_rejected(con, lake, run_id, as_of, s)
    lakes.commit(lake, run_id, as_of, out)
    if progress:
        progress("已落地", len(staged), len(staged))


def _landed(column: str, s: staging.Staged) -> str:
    if column in s.table.column_names:
        return f"CAST({q(column)} AS {LAKE_TYPES[s.table.column(column).kind]}) AS {q(column)}"
    return q(column)  # an unknown column lands as the text the bank sent


def _write_rejected(
    con: duckdb.DuckDBPyConnection, lake: lakes.Lake, run_id: str, as_of: date, s: staging.Staged
) -> None:
    """Rejected rows beside the report: line, reasons, then the cells as sent (UTF-8 with BOM)."""
    folder = lake.report_dir(as_of) / f"{run_id}.rejected"
    folder.mkdir(parents=True, exist_ok=True)
    reasons = []
    for i, check in enumerate(s.checks):
        m, b = f"_e{i // 60}", i % 60
        reasons.append(
            f"CASE WHEN ({m} >> {b}) & 1 = 1 THEN {lit(check.column + '：' + RULES[check.rule])} END"
        )

    def cell(c: str) -> str:
        if c not in s.table.column_names:
            return q(c)
        typed = f"CAST({q(c)} AS VARCHAR)"
        return (
            f"{typed} AS {q(c)}" if s.landing_ready else f"coalesce(_raw.{q(c)}, {typed}) AS {q(c)}"
        )

    cells = ", ".join(cell(c) for c in s.columns)
    rows_sql = (
        f"SELECT _line AS line, concat_ws('；', {', '.join(reasons) or 'NULL'}, "
        f"(SELECT string_agg(reason, '；') FROM {s.rowrej} r WHERE r._line = st._line)) AS reasons, "
        f"{cells} FROM {s.view} st WHERE NOT ({s.accepted()})"
    )
    structural = [
        f"SELECT {p.line}::BIGINT AS line, {lit(p.reason)} AS reasons, "
        + ", ".join(
            f"{lit(p.value or '') if j == 0 else 'NULL'}::VARCHAR AS {q(c)}"
            for j, c in enumerate(s.columns)
        )
        for p in s.structural
    ]
    union = " UNION ALL ".join([rows_sql, *structural])
    target = folder / f"{s.table.name}.csv"
    run(con, f"COPY ({union} ORDER BY line) TO {lit(str(target))} (HEADER, DELIMITER ',')")
    data = target.read_bytes()
    target.write_bytes(b"\xef\xbb\xbf" + data)  # Excel opens BOM-marked UTF-8 as Chinese text
