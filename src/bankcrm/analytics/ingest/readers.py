"""Turn one extract file (CSV, Parquet or XLSX) into a DuckDB view of VARCHAR cells, in file order.

Rows keep the file's order all the way into the staging Parquet (DuckDB preserves insertion order),
so a row's line is its index in the staging file + 2 (the header is line 1): no row_number()
window, which would serialise the parallel CSV reader. Structural problems found while reading
(bad encoding, rows with the wrong number of fields) come back as Problems; those rows are left
out, and the staging view shifts the line numbers of the rows after them.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bankcrm.analytics.ingest.problems import Problem, problem
from bankcrm.analytics.ingest.rules import lit, q, run

CHUNK = 16 << 20
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gb18030": "gb18030", "gbk": "gb18030"}


class FileUnreadable(Exception):
    """The file cannot be read at all; carries the one problem to report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason)
        self.problem = problem


@dataclass
class Source:
    view: str  # DuckDB view: one VARCHAR column per header name, rows in file order
    header: list[str]
    rejects_table: str | None = None  # CSV: DuckDB's table of rejected lines


def read_header(
    path: Path, table: str, encoding: str, delimiter: str | None
) -> tuple[list[str], str]:
    """The header names and the delimiter (`,` or `|`, sniffed from the header when not given)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise FileUnreadable(problem(table, path, 1, None, "empty_file"))
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = first.decode(ENCODINGS[encoding])
    except UnicodeDecodeError as exc:
        raise FileUnreadable(
            problem(
                table,
                path,
                1,
                None,
                "bad_encoding",
                f"按 {encoding} 无法解码表头（第 {exc.start + 1} 字节）",
            )
        ) from exc
    delim = delimiter or ("|" if text.count("|") > text.count(",") else ",")
    names = next(csv.reader(io.StringIO(text), delimiter=delim))
    return [n.strip() for n in names], delim


def transcode(path: Path, table: str, encoding: str, out: Path, delim: str) -> Path:
    """Stream a non-UTF-8 CSV into UTF-8; on the first undecodable byte report its line and column."""
    decoder = codecs.getincrementaldecoder(ENCODINGS[encoding])("strict")
    lines_before = 0
    with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            try:
                dst.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                line_start = chunk.rfind(b"\n", 0, exc.start) + 1
                line = lines_before + chunk.count(b"\n", 0, exc.start) + 1
                field_no = chunk[line_start : exc.start].count(delim.encode())
                header = read_header(path, table, encoding, delim)[0]
                column = header[field_no] if field_no < len(header) else None
                raise FileUnreadable(
                    problem(
                        table, path, line, column, "bad_encoding", f"不是有效的 {encoding} 字节序列"
                    )
                ) from exc
            lines_before += chunk.count(b"\n")
        dst.write(decoder.decode(b"", final=True))
    return out


def csv_source(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    *,
    encoding: str,
    delimiter: str | None,
    workdir: Path,
    types: dict[str, str] | None = None,
    rejects: bool = True,
) -> Source:
    """A view over the CSV; `types` lets the reader parse some columns itself (the fast path).

    `rejects`: keep the lines that cannot be split or parsed in a rejects table (the full pass,
    which reports them). Without it such a line fails the read — all the fast path needs to
    know, and storing rejects costs up to half the read on wide files.
    """
    header, delim = read_header(path, table, encoding, delimiter)
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise FileUnreadable(
            problem(table, path, 1, dupes[0], "duplicate_column", "、".join(dupes))
        )
    if ENCODINGS[encoding] != "utf-8-sig":
        utf8 = workdir / f"{table}.utf8.csv"
        path = utf8 if utf8.exists() else transcode(path, table, encoding, utf8, delim)
    types = types or {}
    columns = "{" + ", ".join(f"{lit(h)}: {lit(types.get(h, 'VARCHAR'))}" for h in header) + "}"
    options = ""
    if any(t == "DATE" for t in types.values()):
        options = f", dateformat = {lit(sniff_dateformat(path, delim, header, types))}"
    tag = "text" if rejects else "fast"  # both views of a file may exist at once
    view, rej = f"src_{tag}_{table}", f"rej_{tag}_{table}"
    if rejects:
        options += (
            f", store_rejects = true, rejects_table = {lit(rej)}, "
            f"rejects_scan = {lit(rej + '_scan')}"
        )
    run(
        con,
        f"CREATE OR REPLACE VIEW {view} AS SELECT * "
        f"FROM read_csv({lit(str(path))}, header = true, delim = {lit(delim)}, quote = '\"', "
        f"escape = '\"', columns = {columns}, auto_detect = false, strict_mode = true, "
        f"null_padding = false, max_line_size = 1048576{options})",
    )
    return Source(view, header, rejects_table=rej if rejects else None)


def sniff_dateformat(path: Path, delim: str, header: list[str], types: dict[str, str]) -> str:
    """YYYYMMDD when the first data row writes its dates that way, else YYYY-MM-DD.

    A file that mixes the two fails the fast path and is read again cell by cell.
    """
    # a sniff only: undecodable bytes are the full pass's to report
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        rows = csv.reader(fh, delimiter=delim)
        next(rows, None)
        first = next(rows, [])
    dates = [v.strip() for h, v in zip(header, first, strict=False) if types.get(h) == "DATE"]
    compact = [v for v in dates if v]
    return "%Y%m%d" if compact and all(len(v) == 8 and v.isdigit() for v in compact) else "%Y-%m-%d"


def parquet_source(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> Source:
    try:
        schema = con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit(str(path))})").fetchall()
    except duckdb.Error as exc:
        raise FileUnreadable(problem(table, path, None, None, "unreadable_file", str(exc))) from exc
    cells = []
    for name, typ, *_ in schema:
        c = q(name)
        if str(typ).startswith("TIMESTAMP"):  # a date column written as midnight timestamps
            cells.append(
                f"CASE WHEN {c} = date_trunc('day', {c}) THEN strftime({c}, '%Y-%m-%d') "
                f"ELSE CAST({c} AS VARCHAR) END AS {c}"
            )
        else:
            cells.append(f"CAST({c} AS VARCHAR) AS {c}")
    view = f"src_{table}"
    run(
        con,
        f"CREATE OR REPLACE VIEW {view} AS SELECT {', '.join(cells)} "
        f"FROM read_parquet({lit(str(path))})",
    )
    return Source(view, [str(s[0]) for s in schema])


def xlsx_source(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> Source:
    """First sheet, header in row 1, every cell read as text (fastexcel / calamine)."""
    import fastexcel

    try:
        sheet = fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string")
        batch = sheet.to_arrow()
    except Exception as exc:  # fastexcel raises its own error types for corrupt workbooks
        raise FileUnreadable(problem(table, path, None, None, "unreadable_file", str(exc))) from exc
    name = f"arrow_{table}"
    con.register(name, batch)
    # Date cells come back as "YYYY-MM-DD 00:00:00": keep the date, as the sheet shows it.
    cells = ", ".join(
        f"regexp_replace({q(c)}, '^(\\d{{4}}-\\d{{2}}-\\d{{2}}) 00:00:00$', '\\1') AS {q(c)}"
        for c in batch.schema.names
    )
    view = f"src_{table}"
    run(
        con,
        f"CREATE OR REPLACE VIEW {view} AS SELECT {cells} FROM {name}",
    )
    return Source(view, [str(c).strip() for c in batch.schema.names])


def csv_rejects(
    con: duckdb.DuckDBPyConnection, source: Source, table: str, path: Path
) -> list[Problem]:
    """Rows DuckDB could not split into the header's fields, as Problems."""
    if source.rejects_table is None:
        return []
    rows = con.execute(
        f"SELECT line, column_name, error_type, csv_line FROM {source.rejects_table} ORDER BY line"
    ).fetchall()
    out = []
    for line, column, kind, text in rows:
        if kind == "INVALID ENCODING":
            out.append(
                problem(
                    table,
                    path,
                    int(line),
                    column,
                    "bad_encoding",
                    "不是有效的 UTF-8 字节序列，如为 GB18030 请用 --encoding gb18030",
                    None,
                )
            )
        else:
            n = len(source.header)
            out.append(
                problem(
                    table,
                    path,
                    int(line),
                    column,
                    "malformed_row",
                    f"应有 {n} 列（{kind.lower()}）",
                    text,
                )
            )
    return out
