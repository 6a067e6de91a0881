"""The batch engine, chosen in one place (DESIGN §3): DuckDB in process by default, PySpark when
`BANKCRM_ENGINE=spark` (local master unless `BANKCRM_SPARK_MASTER` names a cluster).

Marts are Ibis expressions and never see which engine runs them; only reading Parquet from the
lake and writing it back differ, and they live here.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from bankcrm.config import Settings, get_settings


def _exact_integer_division() -> None:
    """Ibis compiles `a // b` as FLOOR(a / b) — a DOUBLE division on DuckDB and Spark, which is
    not exact past 2^53. The marts divide only non-negative integers (money in fen), where
    integer division (DuckDB `//`, Spark `DIV`) is the floor, exactly."""
    import sqlglot.expressions as sge
    from ibis.backends.sql.compilers.base import SQLGlotCompiler

    def visit_floor_divide(self: Any, op: Any, *, left: Any, right: Any) -> Any:
        if op.left.dtype.is_integer() and op.right.dtype.is_integer():
            return self.cast(
                sge.IntDiv(this=sge.paren(left), expression=sge.paren(right)), op.dtype
            )
        return self.cast(self.f.floor(sge.paren(left) / sge.paren(right)), op.dtype)

    SQLGlotCompiler.visit_FloorDivide = visit_floor_divide  # type: ignore[method-assign]


_exact_integer_division()


@dataclass
class Engine:
    name: str
    con: Any  # the Ibis backend
    session: Any = None  # the SparkSession, when name == "spark"

    def read(self, files: Sequence[Path], *, base: Path) -> ir.Table:
        """One table over `files` (all under `base`), with `key=value` folders as columns."""
        if not files:
            raise ValueError(f"没有可读取的文件：{base}")
        if self.name == "spark":
            df = self.session.read.option("basePath", str(base)).parquet(*map(str, files))
            view = f"bankcrm_{uuid.uuid4().hex[:12]}"
            df.createOrReplaceTempView(view)
            return self.con.table(view)
        return self.con.read_parquet([str(f) for f in files], hive_partitioning=True)

    def write(self, expr: ir.Table, folder: Path, row_group_size: int | None = None) -> None:
        """Materialise `expr` as Parquet files in `folder` (created; must not exist), in row
        groups of `row_group_size` rows when given (DuckDB; Spark sizes them in bytes).

        Every column is cast to the type the expression declares: DuckDB sums BIGINT into
        HUGEINT (and Ibis drops a cast it thinks redundant), which Parquet would get as DOUBLE.
        """
        self.con._run_pre_execute_hooks(expr)  # registers in-memory tables (empty inputs)
        dialect = "spark" if self.name == "spark" else "duckdb"
        select = f"SELECT {_casts(expr.schema(), dialect)} FROM ({self.con.compile(expr)})"
        if self.name == "spark":
            self.session.sql(select).write.option("compression", "zstd").parquet(str(folder))
            for marker in folder.glob("_*"):  # _SUCCESS and friends are not data
                marker.unlink()
            return
        folder.mkdir(parents=True)
        target = str(folder / "part-0.parquet").replace("'", "''")
        groups = f", ROW_GROUP_SIZE {int(row_group_size)}" if row_group_size else ""
        self.con.raw_sql(
            f"COPY ({select}) TO '{target}' (FORMAT parquet, COMPRESSION zstd{groups})"
        )

    def empty(self, schema: ibis.Schema) -> ir.Table:
        """An empty table of `schema` (a missing optional input, no earlier marts yet), made in
        SQL: an in-memory Arrow table would have Ibis import pandas first (≈ 0.7 s a run)."""
        dialect = "spark" if self.name == "spark" else "duckdb"
        select = f"SELECT {_casts(schema, dialect, source=lambda _name: 'NULL')} LIMIT 0"
        view = f"bankcrm_{uuid.uuid4().hex[:12]}"
        if self.name == "spark":
            self.session.sql(select).createOrReplaceTempView(view)
        else:
            self.con.raw_sql(f'CREATE TEMP VIEW "{view}" AS {select}')
        return self.con.table(view)

    def count(self, t: ir.Table) -> int:
        """Rows of `t`, in SQL: Ibis' own results go through its pandas converter, and importing
        pandas costs ≈ 0.7 s a run."""
        self.con._run_pre_execute_hooks(t)
        sql = f"SELECT count(*) AS n FROM ({self.con.compile(t)}) AS t"
        if self.name == "spark":
            return int(self.session.sql(sql).collect()[0][0])
        return int(self.con.raw_sql(sql).fetchone()[0])

    def close(self) -> None:
        if self.name == "spark":
            self.session.catalog.clearCache()
        # DuckDB: cached tables drop themselves when collected; disconnecting first breaks that


def _casts(schema: ibis.Schema, dialect: str, source: Callable[[str], str] | None = None) -> str:
    """`CAST(<source> AS <type>) AS <name>` for every column; the source is the column itself
    unless `source` names another expression."""
    from ibis.backends.sql.datatypes import DuckDBType, PySparkType

    types = PySparkType if dialect == "spark" else DuckDBType
    quote = "`" if dialect == "spark" else '"'
    return ", ".join(
        f"CAST({source(name) if source else quote + name + quote} AS "
        f"{types.from_ibis(dtype).sql(dialect)}) AS {quote}{name}{quote}"
        for name, dtype in schema.items()
    )


def connect(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    if settings.engine == "spark":
        return _spark(settings)
    con = ibis.duckdb.connect(
        threads=settings.batch_threads, memory_limit=settings.batch_memory_limit
    )
    return Engine("duckdb", con)


def _spark(settings: Settings) -> Engine:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the optional extra is missing
        raise RuntimeError("BANKCRM_ENGINE=spark 需要安装 bankcrm[spark]（pyspark）") from exc
    session = (
        SparkSession.builder.master(settings.spark_master)
        .appName("bankcrm-nightly")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="bankcrm-spark-"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(settings.spark_shuffle_partitions))
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return Engine("spark", ibis.pyspark.connect(session), session)


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
