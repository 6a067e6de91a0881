"""Helpers to prove that the lake did not change: a hash of every data file."""

from __future__ import annotations

import hashlib
from pathlib import Path

IGNORED = {"_reports", ".lock"}


def fingerprint(root: Path) -> dict[str, str]:
    """sha256 of every file under the lake except reports and the lock file."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in IGNORED
    }
