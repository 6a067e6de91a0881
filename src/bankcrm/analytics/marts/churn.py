"""The `churn_scores` mart (issue 7, part 3): per customer on the nightly's date — the calibrated
churn probability of the latest model trained on or before that date, its band, the top reasons
(JSON, from the model's contributions) and the policy indicators (JSON).

Vectorised: the model matrix from the Arrow columns, `pred_contrib` in batches (the sum of a
row's contributions is its log-odds, so one pass gives the score and the reasons), numpy for the
rest. Written with pyarrow in customer order, so a re-run writes the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bankcrm.analytics.lake import Lake
from bankcrm.churn import dataset
from bankcrm.churn.indicators import DEFAULT_INDICATORS, IndicatorSpec, indicators
from bankcrm.churn.model import BATCH, Model, latest
from bankcrm.churn.reasons import top_reasons

SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("model_version", pa.string()),
        ("score", pa.float64()),
        ("band", pa.string()),
        ("reasons", pa.string()),
        ("indicators", pa.string()),
    ]
)


@dataclass(frozen=True)
class Bands:
    """Probability cut-offs: ≥ high → high, ≥ medium → medium, else low."""

    high: float = 0.30
    medium: float = 0.10

    def of(self, p: np.ndarray) -> np.ndarray:
        return np.where(p >= self.high, "high", np.where(p >= self.medium, "medium", "low"))


def churn_scores(
    model: Model,
    rows: pa.Table,
    *,
    bands: Bands = Bands(),
    spec: IndicatorSpec = DEFAULT_INDICATORS,
    top: int = 3,
    batch: int = BATCH,
) -> pa.Table:
    """`rows` (customer_id + the model's features, see `dataset.rows`) scored."""
    x = dataset.matrix(rows, model.features)
    n = x.shape[0]
    score = np.empty(n)
    reasons: list[pa.Array] = []
    for lo in range(0, n, batch):
        xb = x[lo : lo + batch]
        contrib = model.contributions(xb)
        raw = 1.0 / (1.0 + np.exp(-contrib.sum(axis=1)))
        score[lo : lo + batch] = np.round(model.calibrate(raw), 6)
        reasons.append(top_reasons(contrib, xb, model.features, top))
    return pa.table(
        {
            "customer_id": rows["customer_id"],
            "model_version": pa.array([model.version] * n, pa.string()),
            "score": score,
            "band": bands.of(score),
            "reasons": pa.chunked_array(reasons, pa.string()),
            "indicators": pa.array(indicators(x, model.features, spec), pa.string()),
        },
        schema=SCHEMA,
    )


def write(table: pa.Table, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "part-0.parquet", row_group_size=100_000)


def stage(
    lake: Lake,
    as_of: date,
    features: list[Path],
    monthly: list[Path],
    folder: Path,
    *,
    bands: Bands = Bands(),
) -> Model | None:
    """Score the date's (staged) features with the latest model into `folder`; None (nothing
    written) when no model was trained on or before `as_of`."""
    model = latest(lake, as_of)
    if model is None:
        return None
    src = dataset.sources(lake, as_of)
    src.features, src.monthly = features, monthly
    db = duckdb.connect()
    try:
        rows = dataset.rows(db, src)
    finally:
        db.close()
    write(churn_scores(model, rows, bands=bands), folder)
    return model


def score_date(lake: Lake, as_of: date, *, bands: Bands = Bands()) -> pa.Table | None:
    """Scoring alone (`bankcrm churn score`, the demo after training): the `churn_scores` mart of
    a date whose nightly already ran, committed into the lake like the nightly's marts; the rows
    (None: no model trained on or before `as_of`)."""
    import uuid

    from bankcrm.analytics import lake as lakes
    from bankcrm.analytics.nightly import mart_dir, mart_files

    run_id = f"churn-{as_of.isoformat()}-{uuid.uuid4().hex[:8]}"
    folder = lake.tmp_dir(run_id) / "churn_scores"
    with lakes.locked(lake):
        lakes.recover(lake)
        try:
            model = stage(
                lake,
                as_of,
                mart_files(lake, "features", as_of),
                mart_files(lake, "aum_monthly", as_of),
                folder,
                bands=bands,
            )
            if model is None:
                return None
            table = pq.read_table(folder)
            lakes.commit_folders(
                lake, run_id, as_of, {mart_dir(lake, "churn_scores", as_of): folder}
            )
        finally:
            import shutil

            shutil.rmtree(lake.tmp_dir(run_id), ignore_errors=True)
    return table
