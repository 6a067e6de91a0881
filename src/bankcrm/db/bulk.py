"""Bulk loads for the nightly publish: PostgreSQL COPY, SQLite executemany — never row-by-row ORM.

Rows arrive as a pyarrow table whose column names are the target's. `upsert` inserts or updates
by primary key; with `newer_only`, a row replaces a stored one only if its `as_of` is not older
(re-running an old date never rolls a newer snapshot back).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Table, text
from sqlalchemy.orm import Session

BATCH = 50_000


def upsert(
    session: Session,
    table: Table,
    rows: pa.Table,
    *,
    newer_only: bool = True,
    fresh: bool = False,
) -> int:
    """Insert or update by primary key. `fresh`: the caller knows no row's key is stored yet (a
    first publish), so a plain insert does — on PostgreSQL a COPY straight into the table."""
    if fresh:
        return insert(session, table, rows)
    key = [c.name for c in table.primary_key.columns]
    cols = rows.column_names
    updates = [c for c in cols if c not in key]
    set_clause = ", ".join(f'"{c}" = excluded."{c}"' for c in updates)
    if "loaded_at" in table.c and "loaded_at" not in cols:
        set_clause += ', "loaded_at" = CURRENT_TIMESTAMP'
    where = f' WHERE "{table.name}"."as_of" <= excluded."as_of"' if newer_only else ""
    conflict = f"ON CONFLICT ({_names(key)}) DO UPDATE SET {set_clause}{where}"
    return _load(session, table, rows, conflict)


def insert(session: Session, table: Table, rows: pa.Table) -> int:
    return _load(session, table, rows, "")


def _load(session: Session, table: Table, rows: pa.Table, conflict: str) -> int:
    if rows.num_rows == 0:
        return 0
    cols = _names(rows.column_names)
    if session.get_bind().dialect.name == "postgresql":
        return _copy(session, table, rows, conflict)
    marks = ", ".join("?" for _ in rows.column_names)
    sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks}) {conflict}'
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    for batch in _tuples(rows):
        cursor.executemany(sql, batch)
    return int(rows.num_rows)


def _copy(session: Session, table: Table, rows: pa.Table, conflict: str) -> int:
    """COPY straight into the target for a plain insert; for an upsert, COPY into a temporary
    table shaped like the target, then one INSERT … SELECT … ON CONFLICT."""
    cols = _names(rows.column_names)
    if not conflict:
        _copy_into(session, table.name, cols, rows)
        return int(rows.num_rows)
    tmp = f"_load_{table.name}"
    session.execute(text(f'DROP TABLE IF EXISTS "{tmp}"'))
    session.execute(
        text(f'CREATE TEMPORARY TABLE "{tmp}" AS SELECT {cols} FROM "{table.name}" WITH NO DATA')
    )
    _copy_into(session, tmp, cols, rows)
    session.execute(
        text(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM "{tmp}" {conflict}')
    )
    session.execute(text(f'DROP TABLE "{tmp}"'))
    return int(rows.num_rows)


def _copy_into(session: Session, name: str, cols: str, rows: pa.Table) -> None:
    raw = session.connection().connection.driver_connection
    copy_sql = f'COPY "{name}" ({cols}) FROM STDIN (FORMAT csv)'
    with raw.cursor() as cur, cur.copy(copy_sql) as copy:  # type: ignore[union-attr]
        for chunk in _csv(rows):
            copy.write(chunk)


def _csv(rows: pa.Table) -> Iterator[bytes]:
    """CSV chunks for COPY: pyarrow writes NULL as an unquoted empty field and an empty string
    as "" — exactly what COPY's CSV format reads as NULL and as ''."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for batch in rows.to_batches(BATCH):
        buf = io.BytesIO()
        pacsv.write_csv(batch, buf, options)
        yield buf.getvalue()


def _tuples(rows: pa.Table) -> Iterator[list[tuple[object, ...]]]:
    """Row tuples for sqlite3; dates go as the ISO text SQLAlchemy stores them as (sqlite3's
    own date adapter is deprecated and costs more than the insert)."""
    for batch in rows.to_batches(BATCH):
        columns = [
            pc.strftime(c, "%Y-%m-%d").to_pylist() if pa.types.is_date(c.type) else c.to_pylist()
            for c in batch.columns
        ]
        yield list(zip(*columns, strict=True))


def _names(cols: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in cols)
