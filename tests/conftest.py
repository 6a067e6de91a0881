"""Test configuration: `--db=sqlite,postgresql` runs every database test on each named backend.

PostgreSQL comes from BANKCRM_TEST_POSTGRES_URL (set by `make test` after scripts/pg-up.sh). A
missing or unreachable server fails the run: CI must never skip the PostgreSQL tests.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bankcrm.db import migrate
from bankcrm.db.session import make_engine


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default="sqlite", help="comma list of backends: sqlite,postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        backends = [b.strip() for b in metafunc.config.getoption("db").split(",") if b.strip()]
        metafunc.parametrize("db_backend", backends, scope="session")


def _postgres_url(worker: str) -> str:
    base = os.environ.get("BANKCRM_TEST_POSTGRES_URL")
    if not base:
        pytest.fail("--db=postgresql needs BANKCRM_TEST_POSTGRES_URL (make test sets it)")
    url = make_url(base)
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def db_url(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'bankcrm.db'}"
    if db_backend == "postgresql":
        return _postgres_url(worker)
    raise pytest.UsageError(f"unknown --db backend {db_backend}")


@pytest.fixture(scope="session")
def db_engine(db_url: str) -> Iterator[Engine]:
    """A database migrated once per session with `alembic upgrade head` (never create_all)."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test."""
    conn = db_engine.connect()
    trans = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        trans.rollback()
        conn.close()


@pytest.fixture
def lake_root(tmp_path: Path) -> Path:
    return tmp_path / "lake"


# Secrets and full personal values that must never reach a log line (issue 5 §Tests): argon2
# hashes, access tokens, demo passwords, test passwords, full ID / mobile / card numbers.
_SECRETS = re.compile(
    r"\$argon2|bcrm_[A-Za-z0-9_-]{24,}|Bk-[A-Za-z0-9_-]{16}|Tide-Lantern-42x"
    r"|(?<!\d)\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![\dXx])"  # 18-digit resident ID
    r"|(?<!\d)1[3-9]\d{9}(?!\d)"  # mobile
    r"|(?<!\d)\d{16,19}(?!\d)"  # card / account number
)


@pytest.fixture(autouse=True)
def _no_secrets_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test: scan every captured log record for secrets and full personal numbers."""
    caplog.set_level(logging.INFO)
    yield
    leaks = []
    for record in caplog.get_records("call") + caplog.get_records("setup"):
        if record.name == "httpx":
            continue  # the tests' own HTTP client logging the (fuzzed) URLs it sends
        text = record.getMessage()
        if record.exc_text:
            text += record.exc_text
        if _SECRETS.search(text):
            leaks.append(f"{record.name}: {text[:200]}")
    assert not leaks, f"secrets or full personal numbers in log lines: {leaks}"
