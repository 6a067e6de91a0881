"""Bulk loads (the nightly publish path) on SQLite and PostgreSQL: NULL stays NULL, '' stays '',
dates, booleans and Chinese text round-trip, an upsert updates and never rolls a newer row back —
on SQLite through executemany and through the staged (ADBC + attach) load, in one scratch file
or in two."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from bankcrm.db import bulk
from bankcrm.orgs.models import OrgUnit, Staff
from bankcrm.products.models import Product

pytestmark = pytest.mark.db
REFUSED = (sqlite3.IntegrityError, psycopg.errors.IntegrityError)  # bulk talks to the driver


@pytest.fixture(autouse=True, params=["direct", "staged", "staged in halves"])
def load_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every load of the test goes the small-load way, or (SQLite) through the staged load —
    one scratch file, or two written side by side (any load of 2 rows or more)."""
    if request.param != "direct":
        monkeypatch.setattr(bulk, "STAGE_MIN_ROWS", 0)
    if request.param == "staged in halves":
        monkeypatch.setattr(bulk, "STAGE_SPLIT_ROWS", 2)
    return str(request.param)


def _org(name: str) -> pa.Table:
    return pa.table(
        {
            "org_id": ["O1"],
            "parent_id": pa.array([None], pa.string()),
            "name": [name],
            "level": ["branch"],
            "as_of": [date(2026, 10, 31)],
        }
    )


def _staff(phone: list[str | None], joined: list[date | None], on: date, name: str) -> pa.Table:
    n = len(phone)
    return pa.table(
        {
            "staff_id": [f"S{i}" for i in range(n)],
            "name": [f"{name}{i}" for i in range(n)],
            "org_id": ["O1"] * n,
            "role": ["teller"] * n,
            "phone": pa.array(phone, pa.string()),
            "status": ["active"] * n,
            "joined_on": pa.array(joined, pa.date32()),
            "as_of": [on] * n,
        }
    )


@pytest.mark.parametrize("fresh", [True, False])
def test_nulls_empty_strings_and_dates_survive_and_upserts_only_move_forward(
    db_session: Session, fresh: bool
) -> None:
    org = _org("苏州分行")
    bulk.upsert(db_session, OrgUnit.__table__, org, fresh=fresh)  # type: ignore[arg-type]
    day1, day2 = date(2026, 10, 31), date(2026, 11, 1)
    rows = _staff(["13800000000", "", None], [date(2020, 1, 2), None, None], day1, "张三")
    bulk.upsert(db_session, Staff.__table__, rows, fresh=fresh)  # type: ignore[arg-type]
    bulk.upsert(db_session, Staff.__table__, _staff([None] * 3, [None] * 3, day2, "李四"))  # type: ignore[arg-type]
    bulk.upsert(db_session, Staff.__table__, _staff(["1"] * 3, [None] * 3, day1, "王五"))  # type: ignore[arg-type]
    got = {s.staff_id: s for s in db_session.scalars(select(Staff))}
    assert db_session.scalar(select(OrgUnit.parent_id)) is None
    assert [got[f"S{i}"].name for i in range(3)] == [
        "李四0",
        "李四1",
        "李四2",
    ]  # day 1 never wins back
    assert all(s.phone is None and s.as_of == day2 for s in got.values())


def test_a_fresh_load_keeps_empty_text_apart_from_null(db_session: Session) -> None:
    org = _org("")
    bulk.insert(db_session, OrgUnit.__table__, org)  # type: ignore[arg-type]
    rows = _staff(["", None], [date(2024, 2, 29), None], date(2026, 10, 31), "赵六")
    bulk.insert(db_session, Staff.__table__, rows)  # type: ignore[arg-type]
    got = {s.staff_id: s for s in db_session.scalars(select(Staff))}
    assert got["S0"].phone == "" and got["S1"].phone is None
    assert got["S0"].joined_on == date(2024, 2, 29) and got["S1"].joined_on is None
    assert db_session.scalar(select(OrgUnit.name)) == ""


def test_booleans_round_trip(db_session: Session) -> None:
    rows = pa.table(
        {
            "product_code": ["P1", "P2"],
            "name": ["定期一年", "理财"],
            "category": ["deposit_time", "wealth"],
            "active": [True, False],
            "as_of": [date(2026, 10, 31)] * 2,
        }
    )
    bulk.upsert(db_session, Product.__table__, rows, fresh=True)  # type: ignore[arg-type]
    got = {p.product_code: p.active for p in db_session.scalars(select(Product))}
    assert got == {"P1": True, "P2": False}


def test_columns_of_one_value_and_dates_load_as_the_small_path_stores_them(
    db_session: Session,
) -> None:
    """The staged load binds a column holding one value in every row (as_of, a load's role) as
    a parameter and stages dates as ISO text: what lands equals what executemany stores — also
    when every column is such a column."""
    org = pa.table(
        {
            "org_id": ["O1"],
            "parent_id": ["HQ"],
            "name": ["苏州分行"],
            "level": ["branch"],
            "as_of": [date(2024, 2, 29)],
        }
    )
    head = _org("总行").set_column(0, "org_id", pa.array(["HQ"]))
    bulk.insert(db_session, OrgUnit.__table__, head)  # type: ignore[arg-type]
    bulk.insert(db_session, OrgUnit.__table__, org)  # type: ignore[arg-type]
    joined = [date(2020, 1, 31), None, date(2024, 2, 29)]
    bulk.insert(
        db_session, Staff.__table__, _staff(["1", "2", "3"], joined, date(2026, 10, 31), "周")
    )  # type: ignore[arg-type]
    got = db_session.execute(
        select(OrgUnit.org_id, OrgUnit.parent_id, OrgUnit.as_of).where(OrgUnit.org_id == "O1")
    ).one()
    assert tuple(got) == ("O1", "HQ", date(2024, 2, 29))
    staff = {s.staff_id: (s.joined_on, s.as_of, s.role) for s in db_session.scalars(select(Staff))}
    assert staff == {f"S{i}": (joined[i], date(2026, 10, 31), "teller") for i in range(3)}
    if db_session.get_bind().dialect.name == "sqlite":  # stored as SQLAlchemy stores dates
        stored = db_session.execute(text("SELECT DISTINCT typeof(as_of), as_of FROM staff")).all()
        assert [tuple(r) for r in stored] == [("text", "2026-10-31")]


def test_a_rolled_back_staged_load_leaves_nothing_and_its_scratch_file_goes(
    db_engine: Engine, load_path: str
) -> None:
    rows = pa.table(
        {
            "org_id": [f"O{i}" for i in range(50)],
            "parent_id": pa.array([None] * 50, pa.string()),
            "name": ["网点"] * 50,
            "level": ["outlet"] * 50,
            "as_of": [date(2026, 10, 31)] * 50,
        }
    )
    with db_engine.connect() as conn:
        session = Session(bind=conn)
        bulk.insert(session, OrgUnit.__table__, rows)  # type: ignore[arg-type]
        assert len(session.scalars(select(OrgUnit.org_id)).all()) == 50
        attached = _scratch_files(conn)
        session.rollback()
        session.close()
    with db_engine.connect() as conn:
        assert conn.scalar(select(OrgUnit.org_id).limit(1)) is None
        assert _scratch_files(conn) == []
    if db_engine.dialect.name == "sqlite" and load_path != "direct":
        files = 2 if load_path == "staged in halves" else 1
        assert len(attached) == files and not any(f.exists() for f in attached)
    else:
        assert attached == []


def _scratch_files(conn: object) -> list[Path]:
    raw = conn.connection.driver_connection  # type: ignore[attr-defined]
    if raw.__class__.__module__ != "sqlite3":
        return []
    return [
        Path(file)
        for _seq, name, file in raw.execute("PRAGMA database_list").fetchall()
        if name.startswith(bulk.STAGE_PREFIX)
    ]


def test_a_load_into_an_empty_table_keeps_its_keys_indexes_and_foreign_keys(
    db_session: Session,
) -> None:
    """PostgreSQL (and SQLite, its secondary indexes, on the staged path) drop them for the load
    and build them again; the schema ends as it began
    and a row that breaks a foreign key is still refused."""
    conn = db_session.connection()

    def schema() -> tuple[object, ...]:
        i = inspect(conn)
        return (
            i.get_pk_constraint("staff"),
            i.get_foreign_keys("staff"),
            sorted(i.get_indexes("staff"), key=lambda x: str(x["name"])),
            i.get_pk_constraint("org_units"),
        )

    before = schema()
    org = _org("苏州分行")
    bulk.insert(db_session, OrgUnit.__table__, org)  # type: ignore[arg-type]
    rows = _staff(["1"] * 3, [None] * 3, date(2026, 10, 31), "张三")
    bulk.insert(db_session, Staff.__table__, rows)  # type: ignore[arg-type]
    assert schema() == before
    orphan = _staff(["1"], [None], date(2026, 10, 31), "孤儿").set_column(
        2, "org_id", pa.array(["NOPE"])
    )
    with pytest.raises(REFUSED), db_session.begin_nested():
        bulk.insert(db_session, Staff.__table__, orphan.set_column(0, "staff_id", pa.array(["X"])))


def test_a_rolled_back_first_load_leaves_the_indexes(db_engine: Engine, load_path: str) -> None:
    """The staged load drops an empty table's secondary indexes and builds them after: a
    rollback of the whole transaction must give them back (the drop is part of it)."""
    from sqlalchemy.orm import Session as OrmSession

    def indexes() -> list[str]:
        return sorted(str(i["name"]) for i in inspect(db_engine).get_indexes("org_units"))

    before = indexes()
    with db_engine.connect() as conn, OrmSession(bind=conn) as session:
        assert session.scalar(text("SELECT count(*) FROM org_units")) == 0  # tests roll back
        bulk.insert(session, OrgUnit.__table__, _org("苏州分行"))  # type: ignore[arg-type]
        session.rollback()
    assert indexes() == before
