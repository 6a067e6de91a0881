"""Versioned rule documents (tier rule sets, maintenance policies, alert rules): one row per
version, never changed once written; saving an unchanged document writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

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


class Kept(Protocol):
    """A stored version as `view` reads it."""

    spec: str
    version: int
    created_at: datetime
    created_by: str


R = TypeVar("R", bound=Stored)
S = TypeVar("S")


@dataclass(frozen=True)
class Version(Generic[S]):
    """One stored version with its document parsed (`S`: the document's spec class)."""

    spec: S
    version: int
    created_at: datetime
    created_by: str
    versions: int = 1  # how many versions its name has (where a listing counts them)


def view(row: Kept, parse: Callable[[str], S], versions: int = 1) -> Version[S]:
    """`row` as a `Version`, its stored JSON read by `parse` (the spec's `from_json`)."""
    return Version(parse(row.spec), row.version, row.created_at, row.created_by, versions)


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
