"""What the CLI tests share: a lake and a SQLite database of the test's own, named the way a
user names them (BANKCRM_* variables), with the cached settings and engine reset around it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bankcrm.config import get_settings
from bankcrm.db.session import get_engine


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("BANKCRM_LAKE_PATH", str(tmp_path / "lake"))
    monkeypatch.setenv("BANKCRM_DATABASE_URL", f"sqlite:///{tmp_path / 'crm.db'}")
    get_settings.cache_clear()
    get_engine.cache_clear()  # an engine cached by an earlier test points at its own DB
    yield tmp_path
    get_engine().dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()
