"""Fixtures for the security tests: the world, and an API client on the test's transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bankcrm.api.app import create_app
from bankcrm.config import Settings
from tests.security import world as worlds


@pytest.fixture
def world(db_session: Session) -> worlds.World:
    return worlds.build(db_session)


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(lake_path=tmp_path / "lake", database_url="sqlite://")


def app_on(db_session: Session, db_engine: Engine, settings: Settings) -> FastAPI:
    """The app, its every request a savepoint inside the test's transaction (rolled back)."""
    app = create_app(settings, engine=db_engine)
    app.state.bankcrm.sessions = sessionmaker(
        bind=db_session.connection(),
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )
    return app


@pytest.fixture
def client(db_session: Session, db_engine: Engine, settings: Settings) -> Iterator[TestClient]:
    with TestClient(app_on(db_session, db_engine, settings), base_url="http://testserver") as c:
        yield c


def bearer(w: worlds.World, role: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {w.tokens[role]}"}  # type: ignore[index]
