"""The 360 page's lake lookup: a customer's rows found through the row-group index, also when
they span row groups, and a rewritten file is re-indexed."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bankcrm.analytics.lookup import rows_of


def _write(path: Path, ids: list[str]) -> None:
    table = pa.table({"customer_id": ids, "n": list(range(len(ids)))})
    pq.write_table(table, path, row_group_size=4)


def test_rows_of_finds_every_row_across_row_groups(tmp_path: Path) -> None:
    path = tmp_path / "part-0.parquet"
    # C2's rows straddle the first and second row group, C5 is alone in the last
    ids = ["C1", "C1", "C2", "C2", "C2", "C2", "C3", "C4", "C5"]
    _write(path, ids)
    assert pq.read_metadata(path).num_row_groups == 3
    assert [r["n"] for r in rows_of(path, "C2")] == [2, 3, 4, 5]
    assert rows_of(path, "C5") == [{"customer_id": "C5", "n": 8}]
    assert rows_of(path, "C0") == [] and rows_of(path, "C9") == [] and rows_of(path, "C22") == []
    assert rows_of(path, "C1", ["n", "customer_id"]) == [
        {"n": 0, "customer_id": "C1"},
        {"n": 1, "customer_id": "C1"},
    ]


def test_a_rewritten_file_is_indexed_again(tmp_path: Path) -> None:
    path = tmp_path / "part-0.parquet"
    _write(path, ["A", "B"])
    assert rows_of(path, "B") == [{"customer_id": "B", "n": 1}]
    _write(path, ["B", "B", "C"])
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert [r["n"] for r in rows_of(path, "B")] == [0, 1]
