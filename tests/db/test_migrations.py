"""The schema comes from Alembic, and the models never drift from the migrations."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bankcrm.customers.models import Customer
from bankcrm.db import migrate
from bankcrm.db.models import Base
from bankcrm.db.session import make_engine
from bankcrm.orgs.models import OrgUnit
from bankcrm.products.models import Product

pytestmark = pytest.mark.db


def test_models_match_migrations(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; run alembic revision --autogenerate: {diff}"


def test_upgrade_is_at_head(db_engine: Engine) -> None:
    assert migrate.current_revision(db_engine) == migrate.head_revision()
    tables = set(inspect(db_engine).get_table_names())
    assert {"org_units", "staff", "products", "customers"} <= tables


def test_downgrade_to_base_and_back(db_url: str, db_backend: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'fresh.db'}" if db_backend == "sqlite" else db_url
    engine = make_engine(url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert "customers" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_foreign_keys_are_enforced(db_session: Session) -> None:
    db_session.add(
        OrgUnit(
            org_id="HO", parent_id=None, name="总行", level="head_office", as_of=date(2026, 10, 31)
        )
    )
    db_session.flush()
    db_session.add(
        Customer(
            customer_id="C1",
            name="张三",
            id_type="resident_id",
            id_number="330402198503121234",
            birth_date=date(1985, 3, 12),
            home_org_id="NOPE",
            opened_on=date(2010, 1, 1),
            status="active",
            as_of=date(2026, 10, 31),
        )
    )
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_check_constraints_hold(db_session: Session) -> None:
    db_session.add(
        OrgUnit(org_id="X", parent_id=None, name="x", level="planet", as_of=date(2026, 10, 31))
    )
    with pytest.raises(IntegrityError):
        db_session.flush()


@pytest.mark.parametrize(
    ("risk", "kept"), [("R1", True), ("R5", True), (None, True), ("R6", False)]
)
def test_an_enum_check_keeps_its_meaning_as_comparisons(
    db_session: Session, risk: str | None, kept: bool
) -> None:
    """One of the values or NULL passes, anything else is refused — as `IN (…)` did."""
    db_session.add(
        Product(
            product_code="P1", name="定期", category="time", risk_level=risk, as_of=date(2026, 1, 1)
        )
    )
    if kept:
        db_session.flush()
    else:
        with pytest.raises(IntegrityError):
            db_session.flush()


def test_sqlite_checks_hold_no_in_list(tmp_path: Path) -> None:
    """SQLite builds a scratch table per row written for an IN list in a CHECK: none is left.
    (PostgreSQL evaluates IN as = ANY; its checks stay as created.)"""
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        tables = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        schema = {name: sql or "" for name, sql in tables}
    engine.dispose()
    assert [name for name, sql in schema.items() if re.search(r"CHECK \(\w+ IN \(", sql)] == []
    assert "CHECK (risk_level = 'C1' OR risk_level = 'C2' OR" in schema["customers"]
