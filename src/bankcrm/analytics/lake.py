"""The data lake on disk: layout, atomic multi-table commits with a journal, and listing.

Layout (DESIGN §2):
    raw/<table>/extract_date=YYYY-MM-DD/part-0.parquet    immutable per extract date (the drop's as_of)
    _reports/<as_of>/<run_id>.json|.xlsx            ingest reports (+ rejected rows)
    _tmp/<run_id>/                                  staging of a run in progress
    _journal/<run_id>.json                          a commit in progress

The partition key is `extract_date`, not DESIGN's `as_of`: `balances` has a data column named
`as_of`, and DuckDB and Spark both read a `key=value` folder as a column, so `as_of=D` would
silently overwrite every balance date with the drop date (we hit exactly that).

A commit replaces the `extract_date=D` folders of several tables as one unit. It writes a journal that
lists the moves, then renames: the old folder aside into _tmp, the staged folder into place. The
journal is removed only after every rename; `recover()` (run before every read or write of the
lake) rolls back any commit whose journal is still there, so a crash at any instant leaves either
the whole previous state or the whole new one — never a mix.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

RAW = "raw"
REPORTS = "_reports"
TMP = "_tmp"
JOURNAL = "_journal"
PARTITION = "extract_date"

# Renames go through this name so tests can simulate a crash between two of them.
rename: Callable[[str | Path, str | Path], None] = os.replace


@dataclass(frozen=True)
class Lake:
    root: Path

    def raw_dir(self, table: str, as_of: date) -> Path:
        return self.root / RAW / table / f"{PARTITION}={as_of.isoformat()}"

    def report_dir(self, as_of: date) -> Path:
        return self.root / REPORTS / as_of.isoformat()

    def tmp_dir(self, run_id: str) -> Path:
        return self.root / TMP / run_id

    def dates(self, table: str) -> list[date]:
        base = self.root / RAW / table
        if not base.is_dir():
            return []
        return sorted(
            date.fromisoformat(p.name.removeprefix(f"{PARTITION}="))
            for p in base.iterdir()
            if p.is_dir() and p.name.startswith(f"{PARTITION}=")
        )

    def tables(self) -> list[str]:
        base = self.root / RAW
        return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []

    def files(self, table: str, *, before: date | None = None) -> list[Path]:
        """Parquet files of a table, for every extract date (strictly before `before`, if given)."""
        return [
            f
            for d in self.dates(table)
            if before is None or d < before
            for f in sorted(self.raw_dir(table, d).glob("*.parquet"))
        ]


@dataclass(frozen=True)
class Listing:
    table: str
    as_of: date
    rows: int
    files: int
    bytes: int


@contextmanager
def locked(lake: Lake, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lake's writer lock (one ingest at a time); yields False if `wait` is off and busy."""
    lake.root.mkdir(parents=True, exist_ok=True)
    with (lake.root / ".lock").open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def listing(lake: Lake) -> list[Listing]:
    """What the lake holds: one line per (table, extract date), row counts from Parquet footers."""
    with locked(lake, wait=False) as free:
        if free:  # a running ingest owns its staging; never clean up under it
            recover(lake)
    import pyarrow.parquet as pq  # only `lake ls` needs it: keep `ingest` start-up light

    out = []
    for table in lake.tables():
        for d in lake.dates(table):
            files = sorted(lake.raw_dir(table, d).glob("*.parquet"))
            rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
            size = sum(f.stat().st_size for f in files)
            out.append(Listing(table, d, rows, len(files), size))
    return out


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json_atomic(path: Path, payload: object) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    rename(tmp, path)
    _fsync_dir(path.parent)


def commit(lake: Lake, run_id: str, as_of: date, staged: dict[str, Path]) -> None:
    """Replace every table's `as_of` folder with the staged ones, as one unit.

    Tables that hold data for `as_of` but are absent from `staged` are removed too: a drop
    re-ingested for the same date replaces that date entirely.
    The caller holds `locked(lake)`.
    """
    tables = sorted(set(staged) | {t for t in lake.tables() if lake.raw_dir(t, as_of).exists()})
    commit_folders(lake, run_id, as_of, {lake.raw_dir(t, as_of): staged.get(t) for t in tables})


def commit_folders(lake: Lake, run_id: str, as_of: date, moves: dict[Path, Path | None]) -> None:
    """Put each staged folder at its final path (None: remove the final folder), as one unit."""
    aside = lake.tmp_dir(run_id) / "_replaced"
    plan = [
        {
            "final": str(final),
            "new": str(new) if new is not None else None,
            "old": str(aside / str(i)),
            "had_old": final.exists(),
        }
        for i, (final, new) in enumerate(sorted(moves.items()))
    ]
    for folder in moves.values():
        for p in folder.rglob("*") if folder is not None else ():
            if p.is_file():
                with p.open("rb") as fh:
                    os.fsync(fh.fileno())
    aside.mkdir(parents=True, exist_ok=True)
    journal = lake.root / JOURNAL / f"{run_id}.json"
    journal.parent.mkdir(parents=True, exist_ok=True)
    _write_json_atomic(journal, {"run_id": run_id, "as_of": as_of.isoformat(), "moves": plan})
    for m in plan:
        final = Path(str(m["final"]))
        final.parent.mkdir(parents=True, exist_ok=True)
        if m["had_old"]:
            rename(final, str(m["old"]))
        if m["new"]:
            rename(str(m["new"]), final)
        _fsync_dir(final.parent)
    journal.unlink()  # the commit point: from here on the new state stands
    _fsync_dir(journal.parent)
    shutil.rmtree(lake.tmp_dir(run_id), ignore_errors=True)


def _undo(m: dict[str, object]) -> None:
    final, old = Path(str(m["final"])), Path(str(m["old"]))
    new = Path(str(m["new"])) if m["new"] else None
    if new is not None and not new.exists() and final.exists():
        rename(final, new)  # the new folder was moved in: take it back out
    if m["had_old"] and old.exists():
        if final.exists():
            shutil.rmtree(final)
        rename(old, final)


def recover(lake: Lake) -> list[str]:
    """Roll back unfinished commits and drop leftover staging; returns the run ids rolled back.

    The caller holds `locked(lake)` (or knows no writer runs).
    """
    rolled: list[str] = []
    jdir = lake.root / JOURNAL
    for journal in sorted(jdir.glob("*.json")) if jdir.is_dir() else []:
        entry = json.loads(journal.read_text(encoding="utf-8"))
        for m in reversed(entry["moves"]):
            _undo(m)
        journal.unlink()
        rolled.append(entry["run_id"])
    for leftover in jdir.glob("*.tmp") if jdir.is_dir() else []:
        leftover.unlink()
    tmp = lake.root / TMP
    for stale in _children(tmp):
        shutil.rmtree(stale, ignore_errors=True)
    return rolled


def _children(path: Path) -> Iterable[Path]:
    return list(path.iterdir()) if path.is_dir() else []
