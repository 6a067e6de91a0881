"""Versioned rule documents (tier rule sets, maintenance policies, alert rules): one row per
version, never changed once written; saving an unchanged document writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session


class Document(Protocol):
    name: str
    title: str
    effective_from: date

    def to_json(self) -> str: ...

    def digest(self) -> str: ...


class Stored(Protocol):
    version: int
    digest: str

    def __init__(self, **columns: Any) -> None: ...  # a declarative model's constructor


R = TypeVar("R", bound=Stored)


def save(
    session: Session, model: type[R], current: R | None, doc: Document, author: str, **extra: Any
) -> tuple[R, bool]:
    """`doc` as the row after `current` (the latest stored version of its name): (new row, True)
    — or (current, False) when `doc` equals it, so re-importing a file changes nothing. `extra`:
    the model's own columns."""
    if current is not None and current.digest == doc.digest():
        return current, False
    row = model(
        name=doc.name,
        version=(current.version + 1) if current else 1,
        title=doc.title,
        effective_from=doc.effective_from,
        spec=doc.to_json(),
        digest=doc.digest(),
        created_by=author,
        **extra,
    )
    session.add(row)
    session.flush()
    return row, True
