"""Bulk loads (the nightly publish path) on SQLite and PostgreSQL: NULL stays NULL, '' stays '',
dates and Chinese text round-trip, an upsert updates and never rolls a newer row back."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.db import bulk
from bankcrm.orgs.models import OrgUnit, Staff

pytestmark = pytest.mark.db


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
    org = pa.table(
        {
            "org_id": ["O1"],
            "parent_id": pa.array([None], pa.string()),
            "name": ["苏州分行"],
            "level": ["branch"],
            "as_of": [date(2026, 10, 31)],
        }
    )
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
    org = pa.table(
        {
            "org_id": ["O1"],
            "parent_id": pa.array([None], pa.string()),
            "name": [""],
            "level": ["branch"],
            "as_of": [date(2026, 10, 31)],
        }
    )
    bulk.insert(db_session, OrgUnit.__table__, org)  # type: ignore[arg-type]
    rows = _staff(["", None], [date(2024, 2, 29), None], date(2026, 10, 31), "赵六")
    bulk.insert(db_session, Staff.__table__, rows)  # type: ignore[arg-type]
    got = {s.staff_id: s for s in db_session.scalars(select(Staff))}
    assert got["S0"].phone == "" and got["S1"].phone is None
    assert got["S0"].joined_on == date(2024, 2, 29) and got["S1"].joined_on is None
    assert db_session.scalar(select(OrgUnit.name)) == ""
