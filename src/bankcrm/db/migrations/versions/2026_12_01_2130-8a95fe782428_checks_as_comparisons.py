"""enum checks as comparisons (SQLite)

Every CHECK "column IN ('a', 'b', …)" becomes "column = 'a' OR column = 'b' OR …" (see
`db.base.one_of`): SQLite evaluates an IN list of three or more constants inside a CHECK by
building a scratch table for every row written — about 1 s of a first publish of 1M customers,
and as much again for 1M churn scores. Same meaning, NULL included.

SQLite cannot alter a constraint, and rebuilding tables that others reference needs foreign
keys off, which cannot change inside a migration's transaction. A CHECK that every stored row
already satisfies may be rewritten in place instead — the procedure SQLite documents for changing
constraints (https://www.sqlite.org/lang_altertable.html#otheralter): the table's CREATE text in
sqlite_schema, then the schema version. PostgreSQL evaluates IN as "= ANY" with no such cost:
its constraints stay as they are.

Revision ID: 8a95fe782428
Revises: f0c96348e4e3
Create Date: 2026-12-01 21:30:00
"""

import re
from collections.abc import Callable, Sequence

from alembic import op

revision: str = "8a95fe782428"
down_revision: str | None = "f0c96348e4e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_LIST = re.compile(r"CHECK \((\w+) IN \(([^()]*)\)\)")
OR_CHAIN = re.compile(r"CHECK \(((\w+) = '[^']*'(?: OR \2 = '[^']*')+)\)")


def _as_comparisons(m: re.Match[str]) -> str:
    values = re.findall(r"'([^']*)'", m[2])
    return "CHECK (" + " OR ".join(f"{m[1]} = '{v}'" for v in values) + ")"


def _as_in_list(m: re.Match[str]) -> str:
    values = re.findall(r"= '([^']*)'", m[1])
    return f"CHECK ({m[2]} IN (" + ", ".join(f"'{v}'" for v in values) + "))"


def _rewrite(pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    tables = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '%CHECK%'"
    ).all()
    changed = [(name, pattern.sub(replace, sql)) for name, sql in tables]
    changed = [row for row, (_name, old) in zip(changed, tables, strict=True) if row[1] != old]
    if not changed:
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    for name, sql in changed:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, name)
        )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _rewrite(IN_LIST, _as_comparisons)


def downgrade() -> None:
    _rewrite(OR_CHAIN, _as_in_list)
