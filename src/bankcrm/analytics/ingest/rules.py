"""SQL for one vectorised validation pass: parse every cell and flag every rule, per row.

For a table the pass is three nested SELECTs over a source of VARCHAR cells, in file order:
  1. raw:    trimmed text, empty → NULL               ("r:<col>")
  2. typed:  each cell parsed to its lake type        ("<col>", NULL when it does not parse)
  3. checks: one bit per (column, rule) in `_e0`, `_e1`, … (BIGINT masks, 60 bits each)
Rows with any bit set also keep their raw cells in `_raw` so the report can quote them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from bankcrm.analytics.ingest.contract import Column, Kind, Table
from bankcrm.kit.idcard import CHECK_CHARS, WEIGHTS

BITS_PER_MASK = 60

LAKE_TYPES: dict[Kind, str] = {
    Kind.KEY: "VARCHAR",
    Kind.TEXT: "VARCHAR",
    Kind.ENUM: "VARCHAR",
    Kind.DATE: "DATE",
    Kind.MONEY: "DECIMAL(18,2)",
    Kind.RATE: "DECIMAL(12,6)",
    Kind.INT: "INTEGER",
    Kind.BOOL: "BOOLEAN",
}
_TRUE = ("true", "t", "1", "y", "yes", "是")
_FALSE = ("false", "f", "0", "n", "no", "否")


def q(name: str) -> str:
    """Quote an identifier (header names come from the bank's files)."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parquet_source(files: list[Path], *, hive: bool = False) -> str:
    """DuckDB SQL reading these Parquet files as one table (`key=value` folders as columns)."""
    listed = "[" + ", ".join(lit(str(f)) for f in files) + "]"
    return (
        f"read_parquet({listed}, hive_partitioning = true)" if hive else f"read_parquet({listed})"
    )


def raw(name: str) -> str:
    return q("r:" + name)


@dataclass(frozen=True)
class Check:
    column: str
    rule: str
    condition: str  # SQL, true when the row breaks the rule


def _sql_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


# Kinds the CSV reader may parse itself on the fast path (same parser as the expression below)
NATIVE_TYPES: dict[Kind, str] = {Kind.DATE: "DATE"}
_MAX_YUAN = "10000000000000000"  # DECIMAL(18,2) holds 16 integer digits
_EARLIEST = "DATE '1900-01-01'"  # a 2-digit year parses as year 24 AD: treat as a bad date
# The amounts the fast path takes as they are: plain digits, at most 16 before and 2 after the
# point. Anything else ("1.230", "1e3", "+5", a 3rd decimal) goes to the full pass, which
# judges by value; a DECIMAL(18,2) cast alone would round "1.234" to 1.23 without a word.
_PLAIN_MONEY = "-?[0-9]{1,16}(\\.[0-9]{1,2})?"


def _money_value(r: str) -> str:
    """The amount as DECIMAL(38,10): wide enough to see a third decimal instead of rounding it."""
    return f"TRY_CAST({r} AS DECIMAL(38,10))"


def typed_expr(col: Column, native: bool = False, fast: bool = False) -> str:
    """The cell parsed to its lake type, NULL when it does not parse.

    `native`: the CSV reader already parsed it. `fast`: the guarded pass, which may skip work the
    guard makes unnecessary (its rows are plain by construction, or the pass is abandoned).
    """
    r = raw(col.name)
    if native and col.kind is Kind.DATE:
        return r
    if fast and col.kind is Kind.MONEY:
        return f"TRY_CAST({r} AS DECIMAL(18,2))"
    if fast and col.kind is Kind.ENUM and col.enum:
        # codes as sent are the common case; only other spellings pay for the full CASE
        return f"CASE WHEN {r} IN {_sql_list(col.enum)} THEN {r} ELSE {typed_expr(col)} END"
    if col.check == "resident_id":
        return f"upper({r})"  # ID numbers land in one spelling: a check digit x is X
    match col.kind:
        case Kind.KEY | Kind.TEXT:
            return r
        case Kind.DATE:
            return (
                f"CASE WHEN length({r}) = 8 AND regexp_full_match({r}, '\\d{{8}}') "
                f"THEN try_strptime({r}, '%Y%m%d')::DATE "
                f"ELSE try_strptime({r}, '%Y-%m-%d')::DATE END"
            )
        case Kind.MONEY:
            v = _money_value(r)
            return (
                f"CASE WHEN {v} = round({v}, 2) AND abs({v}) < {_MAX_YUAN} "
                f"THEN CAST({v} AS DECIMAL(18,2)) END"
            )
        case Kind.RATE:
            return (
                f"CASE WHEN regexp_full_match({r}, '-?\\d{{1,6}}(\\.\\d{{1,6}})?') "
                f"THEN TRY_CAST({r} AS DECIMAL(12,6)) END"
            )
        case Kind.INT:
            return f"CASE WHEN regexp_full_match({r}, '-?\\d{{1,9}}') THEN TRY_CAST({r} AS INTEGER) END"
        case Kind.BOOL:
            return (
                f"CASE WHEN lower({r}) IN {_sql_list(_TRUE)} THEN true "
                f"WHEN lower({r}) IN {_sql_list(_FALSE)} THEN false END"
            )
        case Kind.ENUM:
            whens = [f"WHEN {r} = {lit(code)} THEN {lit(code)}" for code in col.enum]
            whens += [
                f"WHEN upper({r}) = {lit(code.upper())} THEN {lit(code)}" for code in col.enum
            ]
            whens += [
                f"WHEN {r} = {lit(label)} THEN {lit(code)}" for label, code in col.aliases.items()
            ]
            return "CASE " + " ".join(whens) + " END"
    raise AssertionError(col.kind)


_PARSE_RULE = {
    Kind.DATE: "bad_date",
    Kind.RATE: "bad_rate",
    Kind.INT: "bad_int",
    Kind.BOOL: "bad_bool",
    Kind.ENUM: "unknown_enum",
}


def column_checks(
    col: Column, as_of: date, native: bool = False, fast: bool = False
) -> list[Check]:
    r, t = raw(col.name), q(col.name)
    checks: list[Check] = []
    if col.required and not col.allow_empty:
        checks.append(Check(col.name, "missing_value", f"{r} IS NULL"))
    if col.kind is Kind.MONEY and fast:
        plain = f"regexp_full_match({r}, {lit(_PLAIN_MONEY)})"
        checks.append(Check(col.name, "bad_decimal", f"{r} IS NOT NULL AND NOT {plain}"))
    elif col.kind is Kind.MONEY:
        v = _money_value(r)
        # DECIMAL(38,10) rounds what lies past the 10th decimal: the text shows it
        hidden = f"regexp_matches({r}, '\\.[0-9]{{10}}[0-9]*[1-9]')"
        checks.append(
            Check(
                col.name,
                "too_many_decimals",
                f"{v} IS NOT NULL AND ({v} <> round({v}, 2) OR {hidden})",
            )
        )
        bad = f"{r} IS NOT NULL AND ({v} IS NULL OR abs({v}) >= {_MAX_YUAN})"
        checks.append(Check(col.name, "bad_decimal", bad))
    elif col.kind in _PARSE_RULE:
        checks.append(Check(col.name, _PARSE_RULE[col.kind], f"{r} IS NOT NULL AND {t} IS NULL"))
    if col.kind is Kind.DATE:
        checks.append(Check(col.name, "bad_date", f"{t} < {_EARLIEST}"))
    if col.non_negative:
        checks.append(Check(col.name, "negative", f"{t} < 0"))
    if col.not_after_as_of:
        checks.append(Check(col.name, "future_date", f"{t} > DATE {lit(as_of.isoformat())}"))
    if col.check == "mobile":
        checks.append(
            Check(
                col.name,
                "bad_phone",
                f"{r} IS NOT NULL AND NOT regexp_full_match({r}, '1\\d{{10}}')",
            )
        )
    if col.check == "resident_id":
        checks.extend(resident_id_checks(col.name))
    return checks


def id_digits(name: str) -> str:
    """Column of the level-2 select holding an ID number's first 17 digits as a BIGINT."""
    return q("n:" + name)


def id_shape(name: str) -> str:
    """Level-2 column: the ID number is 17 digits and a digit or X."""
    return q("s:" + name)


def _helpers(table: Table) -> list[str]:
    """Level-2 values that several checks share (DuckDB does not share them by itself)."""
    out = []
    for c in table.columns:
        if c.check == "resident_id":
            v = f"upper({raw(c.name)})"
            out.append(f"TRY_CAST(substr({v}, 1, 17) AS BIGINT) AS {id_digits(c.name)}")
            out.append(f"regexp_full_match({v}, '[0-9]{{17}}[0-9X]') AS {id_shape(c.name)}")
    return out


def resident_id_checks(name: str) -> list[Check]:
    """GB 11643 checks, applied only where id_type is resident_id.

    The first 17 characters are read once as a BIGINT (`id_digits`, computed one level down) and
    taken apart with integer arithmetic (digit k = n // 10^(17-k) % 10): a fraction of the cost
    of 17 substrings on a million rows.
    """
    v = f"upper({raw(name)})"
    rid = f"{q('id_type')} = 'resident_id' AND {raw(name)} IS NOT NULL"
    n = id_digits(name)
    ymd = f"({n} // 1000 % 100000000)"  # digits 7–14, the birth date as YYYYMMDD
    bd = q("birth_date")
    bd_ymd = f"(year({bd}) * 10000 + month({bd}) * 100 + day({bd}))"
    # equal to a valid birth_date → a real date; otherwise parse it (rare: a mismatch or no date)
    real_date = (
        f"(CASE WHEN {ymd} = {bd_ymd} THEN true "
        f"ELSE try_strptime(substr({v}, 7, 8), '%Y%m%d') IS NOT NULL END)"
    )
    shape_ok = f"({id_shape(name)} AND {real_date})"
    total = " + ".join(f"{n} // {10 ** (16 - i)} % 10 * {w}" for i, w in enumerate(WEIGHTS))
    expected = f"substr({lit(CHECK_CHARS)}, (({total}) % 11)::INTEGER + 1, 1)"
    sex = f"CASE WHEN {n} % 2 = 1 THEN 'M' ELSE 'F' END"
    return [
        Check(name, "bad_id_format", f"{rid} AND NOT {shape_ok}"),
        Check(
            name, "bad_id_check_digit", f"{rid} AND {shape_ok} AND {expected} <> substr({v}, 18, 1)"
        ),
        Check(name, "id_birth_mismatch", f"{rid} AND {shape_ok} AND {ymd} <> {bd_ymd}"),
        Check(name, "id_gender_mismatch", f"{rid} AND {shape_ok} AND {sex} <> {q('gender')}"),
    ]


def table_checks(
    table: Table, as_of: date, native: frozenset[str] = frozenset(), fast: bool = False
) -> list[Check]:
    return [c for col in table.columns for c in column_checks(col, as_of, col.name in native, fast)]


def mask_names(checks: list[Check]) -> list[str]:
    return [f"_e{i}" for i in range((len(checks) + BITS_PER_MASK - 1) // BITS_PER_MASK)]


def bit(index: int) -> tuple[str, int]:
    """The mask column and bit position of check number `index`."""
    return f"_e{index // BITS_PER_MASK}", index % BITS_PER_MASK


def _levels(
    table: Table,
    present: set[str],
    extra: list[str],
    native: frozenset[str] = frozenset(),
    fast: bool = False,
) -> tuple[list[str], list[str]]:
    """Level 1: trimmed raw text (empty → NULL). Level 2: typed columns, raw text, extra columns.

    `native` columns were already parsed by the CSV reader (DATE): they pass as they are. `fast`
    passes text untrimmed — the guard sends a cell that trimming would change to the full pass.
    """

    def cell(c: str) -> str:
        if c in native or (fast and c in present):
            return f"{q(c)} AS {raw(c)}"
        if c in present:
            return f"NULLIF(trim({q(c)}), '') AS {raw(c)}"
        return f"NULL::VARCHAR AS {raw(c)}"

    level1 = [cell(c) for c in table.column_names] + [q(c) for c in extra]
    level2 = (
        [f"{typed_expr(col, col.name in native, fast)} AS {q(col.name)}" for col in table.columns]
        + [raw(c) for c in table.column_names]
        + [q(c) for c in extra]
        + _helpers(table)
    )
    return level1, level2


def _checked(
    table: Table, source: str, present: set[str], extra: list[str], as_of: date
) -> tuple[str, list[Check], list[str]]:
    """Rows of `source` with typed columns, extra columns, raw cells and the masks `_e*`."""
    checks = table_checks(table, as_of)
    level1, level2 = _levels(table, present, extra)
    masks = mask_names(checks)
    mask_exprs = []
    for m, name in enumerate(masks):
        part = checks[m * BITS_PER_MASK : (m + 1) * BITS_PER_MASK]
        terms = [
            f"(CASE WHEN coalesce({c.condition}, false) THEN {1 << i} ELSE 0 END)"
            for i, c in enumerate(part)
        ]
        mask_exprs.append("(" + " + ".join(terms) + f")::BIGINT AS {name}")
    level3 = [q(c) for c in table.column_names] + [q(c) for c in extra]
    level3 += mask_exprs + [raw(c) for c in table.column_names]
    sql = (
        f"SELECT {', '.join(level3)} FROM (SELECT {', '.join(level2)} FROM "
        f"(SELECT {', '.join(level1)} FROM {source}))"
    )
    return sql, checks, masks


def _any_bad(masks: list[str]) -> str:
    return " OR ".join(f"{m} <> 0" for m in masks) or "false"


def pass_sql(
    table: Table, source: str, present: set[str], extra: list[str], as_of: date
) -> tuple[str, list[Check]]:
    """Every row parsed and checked, with its masks and (for bad rows) its raw cells."""
    inner, checks, masks = _checked(table, source, present, extra, as_of)
    raw_struct = ", ".join(f"{q(c)} := {raw(c)}" for c in table.column_names)
    outer = [q(c) for c in table.column_names] + [q(c) for c in extra] + masks
    outer.append(f"CASE WHEN {_any_bad(masks)} THEN struct_pack({raw_struct}) END AS _raw")
    return f"SELECT {', '.join(outer)} FROM ({inner})", checks


GUARD = "bankcrm: a row breaks a cell rule"


def guarded_sql(
    table: Table,
    source: str,
    present: set[str],
    extra: list[str],
    as_of: date,
    native: frozenset[str] = frozenset(),
) -> str:
    """The landing rows (lake types only) of a file expected to be clean.

    The same checks run, but the first bad row aborts the query with GUARD instead of being
    carried along: a clean file then costs one parse and one write, the price of the floor plus
    the checks. Any failure falls back to `pass_sql`, which collects every problem.
    """
    level1, level2 = _levels(table, present, extra, native, fast=True)
    checks = table_checks(table, as_of, native, fast=True)
    bad = [f"coalesce({c.condition}, false)" for c in checks]
    for c in table.column_names:
        if c in present and c not in native:  # untrimmed text: an edge space or "" needs trimming
            r = raw(c)
            bad.append(f"({r} = '' OR starts_with({r}, ' ') OR ends_with({r}, ' '))")
    cols = [f"CAST({q(c.name)} AS {LAKE_TYPES[c.kind]}) AS {q(c.name)}" for c in table.columns]
    cols += [q(c) for c in extra]
    # one OR over the rules (evaluated lazily per vector) instead of building bit masks
    return (
        f"SELECT {', '.join(cols)} FROM (SELECT {', '.join(level2)} FROM "
        f"(SELECT {', '.join(level1)} FROM {source})) "
        f"WHERE CASE WHEN {' OR '.join(bad) or 'false'} THEN error({lit(GUARD)}) ELSE true END"
    )


def run(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Execute a statement and drain its result (DuckDB keeps a connection busy until then)."""
    con.execute(sql).fetchall()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[object, ...]:
    """The single row of an aggregate query, fully drained."""
    rows = con.execute(sql).fetchall()
    return tuple(rows[0]) if rows else ()
