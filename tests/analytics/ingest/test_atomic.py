"""A crash at any point of a write leaves the lake as it was; a re-ingest replaces the date."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bankcrm.analytics.ingest import ingest_drop
from bankcrm.analytics.lake import Lake, listing
from tests.factories import drop_rows, write_drop
from tests.lakecheck import fingerprint

ROOT = Path(__file__).resolve().parents[3]

# Runs an ingest in a child process that dies (os._exit: no cleanup, no finally) at the N-th
# rename of the commit, or while the landing files are being written when N is 0.
CRASHER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from bankcrm.analytics import lake as lakes
    from bankcrm.analytics.ingest import ingest_drop

    crash_at = int(sys.argv[3])
    calls = 0
    real = lakes.rename

    def dying_rename(src, dst):
        global calls
        calls += 1
        if calls == crash_at:
            os._exit(137)
        real(src, dst)

    def progress(label, done, total):
        if crash_at == 0 and label.startswith("写入数据湖") and done == 3:
            os._exit(137)

    lakes.rename = dying_rename
    ingest_drop(Path(sys.argv[1]), lakes.Lake(Path(sys.argv[2])), progress=progress)
    print("finished", calls)
    """
)


def _crash(drop: Path, lake: Lake, at: int) -> subprocess.CompletedProcess[str]:
    script = CRASHER.format(root=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", script, str(drop), str(lake.root), str(at)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("crash_at", [0, 1, 2, 3, 8, 15, 19])
def test_crash_during_write_leaves_previous_state(tmp_path: Path, crash_at: int) -> None:
    lake = Lake(tmp_path / "lake")
    assert ingest_drop(write_drop(tmp_path / "v1"), lake).status == "landed"
    before = fingerprint(lake.root)
    rows = drop_rows()
    rows["balances"][0]["balance"] = "999.99"  # a different, valid drop for the same date
    rows["cards"] = []
    proc = _crash(write_drop(tmp_path / "v2", rows), lake, crash_at)
    assert proc.returncode == 137, proc.stdout + proc.stderr
    listing(lake)  # any later use of the lake recovers first
    assert fingerprint(lake.root) == before


def test_commit_renames_counted(tmp_path: Path) -> None:
    """The crash points above cover the journal write and both renames of every table."""
    lake = Lake(tmp_path / "lake")
    ingest_drop(write_drop(tmp_path / "v1"), lake)
    proc = _crash(write_drop(tmp_path / "v2"), lake, 10_000)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["finished", "19"]  # 1 journal + 9 tables x (aside, into place)


def test_reingest_replaces_the_date(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    ingest_drop(write_drop(tmp_path / "v1"), lake)
    rows = drop_rows()
    rows["balances"] = rows["balances"][:2]
    assert ingest_drop(write_drop(tmp_path / "v2", rows), lake).status == "landed"
    counts = {(r.table, r.as_of.isoformat()): r.rows for r in listing(lake)}
    assert counts[("balances", "2026-10-31")] == 2
    assert not list((lake.root / "_tmp").iterdir()) and not list((lake.root / "_journal").iterdir())
