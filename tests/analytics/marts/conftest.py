"""Engines for the mart tests: DuckDB once per module (cheap), Spark once per session (~15 s)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bankcrm.analytics.backend import Engine, connect
from bankcrm.config import Settings


@pytest.fixture(scope="module")
def duck() -> Iterator[Engine]:
    engine = connect(Settings(engine="duckdb"))
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[Engine]:
    """Spark `local[2]`, started once: it takes ~15 s. Never skipped: pyspark is a dev dependency
    and CI must prove the marts on both engines."""
    engine = connect(Settings(engine="spark", spark_master="local[2]"))
    yield engine
    engine.close()
    engine.session.stop()
