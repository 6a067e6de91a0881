"""The churn model's pipeline and its vetting on any labelled customer table (issue 7, part 4).

`bankcrm churn evaluate --data FILE --target COLUMN …` trains and cross-validates the pipeline
the nightly's churn model uses on a bank's own extract: numeric columns as numbers, dates as days,
string columns as categories (a missing value and a literal `unknown` both kept as the category
`unknown`); LightGBM with probability calibration (isotonic, fitted on held-out thirds of each
training fold). It prints ROC-AUC, PR-AUC, Brier and a calibration table for the pipeline and for
a default `LGBMClassifier` on the same folds, so the two can be compared honestly.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bankcrm.errors import InvalidInput

UNKNOWN = "unknown"
CALIBRATION_BINS = 10


@dataclass
class Prepared:
    """A table as the model sees it: features (float64, NaN for missing), 0/1 labels."""

    x: np.ndarray
    y: np.ndarray
    names: list[str]
    categorical: list[int]  # indices of category-coded columns
    categories: dict[str, list[str]]
    dropped_rows: int  # rows without a label


def read_table(path: Path) -> pa.Table:
    """A CSV (UTF-8, or GB18030 as core systems write it) or Parquet file."""
    if not path.is_file():
        raise InvalidInput(f"{path}：文件不存在", loc=("data",))
    try:
        if path.suffix.lower() == ".parquet":
            return pq.read_table(path)
        if path.suffix.lower() != ".csv":
            raise InvalidInput(f"{path}：只支持 .csv 或 .parquet", loc=("data",))
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        return pacsv.read_csv(io.BytesIO(text.encode("utf-8")))
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError) as exc:
        raise InvalidInput(f"{path}：无法读取：{exc}", loc=("data",)) from exc


def _labels(col: pa.ChunkedArray, target: str, positive: str | None) -> np.ndarray:
    values = col.to_pylist()
    if positive is not None:
        return np.array([str(v) == positive for v in values], dtype=np.int8)
    if pa.types.is_boolean(col.type):
        return np.array(values, dtype=np.int8)
    distinct = sorted({str(v) for v in values})
    if pa.types.is_integer(col.type) and set(distinct) <= {"0", "1"}:
        return np.array(values, dtype=np.int8)
    raise InvalidInput(
        f"目标列 {target} 不是 0/1 或布尔值：请用 --positive 指定表示流失的取值"
        f"（现有取值：{'、'.join(distinct[:10])}{'…' if len(distinct) > 10 else ''}）",
        loc=("positive",),
    )


def _numeric(col: pa.ChunkedArray) -> np.ndarray | None:
    t = col.type
    if pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_floating(t):
        arr = pc.cast(col, pa.float64())
    elif pa.types.is_decimal(t):
        arr = pc.cast(col, pa.float64())  # a model feature, never stored or reported as money
    elif pa.types.is_date(t) or pa.types.is_timestamp(t):
        arr = pc.cast(pc.cast(col, pa.date32()), pa.int32()).cast(pa.float64())
    else:
        return None
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)


def prepare(
    table: pa.Table,
    target: str,
    *,
    positive: str | None = None,
    id_column: str | None = None,
    drop: Sequence[str] = (),
) -> Prepared:
    """Features and labels of `table`; every problem → InvalidInput naming the column."""
    names = table.column_names
    for what, col in (("目标列", target), ("客户号列", id_column), *(("排除列", d) for d in drop)):
        if col is not None and col not in names:
            raise InvalidInput(f"{what} {col} 不在表中（列：{'、'.join(names)}）", loc=(what,))
    labelled = pc.invert(pc.is_null(table[target]))
    dropped = table.num_rows - int(pc.sum(labelled).as_py() or 0)
    table = table.filter(labelled)
    y = _labels(table[target], target, positive)
    features = [n for n in names if n not in {target, id_column, *drop}]
    if not features:
        raise InvalidInput("除目标列、客户号列和排除列之外没有特征列", loc=("drop",))
    columns, categorical, categories = [], [], {}
    for i, name in enumerate(features):
        col = table[name]
        numbers = _numeric(col)
        if numbers is None:
            if not (
                pa.types.is_string(col.type)
                or pa.types.is_large_string(col.type)
                or pa.types.is_dictionary(col.type)
            ):
                raise InvalidInput(f"列 {name} 的类型 {col.type} 不能作为特征", loc=(name,))
            text = [
                UNKNOWN if v is None or str(v).strip() == "" else str(v)
                for v in col.cast(pa.string()).to_pylist()
            ]
            levels = sorted(set(text) | {UNKNOWN})
            code = {v: float(k) for k, v in enumerate(levels)}
            numbers = np.array([code[v] for v in text], dtype=np.float64)
            categorical.append(i)
            categories[name] = levels
        columns.append(numbers)
    return Prepared(np.column_stack(columns), y, features, categorical, categories, dropped)


def pipeline(seed: int = 0) -> Any:
    """The churn model: a regularised LightGBM, calibrated (isotonic) on held-out thirds."""
    from lightgbm import LGBMClassifier
    from sklearn.calibration import CalibratedClassifierCV

    booster = LGBMClassifier(
        n_estimators=300,
        learning_rate=0.03,
        num_leaves=15,
        min_child_samples=20,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        reg_lambda=1.0,
        random_state=seed,
        verbose=-1,
    )
    return CalibratedClassifierCV(booster, method="isotonic", cv=3)


def baseline(seed: int = 0) -> Any:
    from lightgbm import LGBMClassifier

    return LGBMClassifier(random_state=seed, verbose=-1)


@dataclass
class Scores:
    roc_auc: float
    pr_auc: float
    brier: float
    calibration: list[dict[str, float]] = field(default_factory=list)


@dataclass
class Evaluation:
    rows: int
    positives: int
    features: int
    categorical: list[str]
    dropped_rows: int
    folds: int
    seed: int
    model: Scores
    baseline: Scores

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _scores(y: np.ndarray, p: np.ndarray) -> Scores:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    order = np.argsort(p, kind="stable")
    table = []
    for chunk in np.array_split(order, CALIBRATION_BINS):
        if len(chunk):
            table.append(
                {
                    "rows": len(chunk),
                    "predicted": round(float(p[chunk].mean()), 4),
                    "observed": round(float(y[chunk].mean()), 4),
                }
            )
    return Scores(
        roc_auc=round(float(roc_auc_score(y, p)), 4),
        pr_auc=round(float(average_precision_score(y, p)), 4),
        brier=round(float(brier_score_loss(y, p)), 4),
        calibration=table,
    )


def evaluate(data: Prepared, *, folds: int = 5, seed: int = 0) -> Evaluation:
    """Out-of-fold probabilities of the pipeline and of the baseline on the same stratified
    folds, scored."""
    from sklearn.model_selection import StratifiedKFold

    positives = int(data.y.sum())
    if min(positives, len(data.y) - positives) < folds * 3:
        raise InvalidInput(
            f"每类至少需要 {folds * 3} 行才能做 {folds} 折验证（流失 {positives}，"
            f"未流失 {len(data.y) - positives}）",
            loc=("target",),
        )
    ours, base = np.zeros(len(data.y)), np.zeros(len(data.y))
    fit = {"categorical_feature": data.categorical} if data.categorical else {}
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(
        data.x, data.y
    ):
        model = pipeline(seed).fit(data.x[train], data.y[train], **fit)
        ours[test] = model.predict_proba(data.x[test])[:, 1]
        plain = baseline(seed).fit(data.x[train], data.y[train], **fit)
        base[test] = plain.predict_proba(data.x[test])[:, 1]
    return Evaluation(
        rows=len(data.y),
        positives=positives,
        features=len(data.names),
        categorical=[data.names[i] for i in data.categorical],
        dropped_rows=data.dropped_rows,
        folds=folds,
        seed=seed,
        model=_scores(data.y, ours),
        baseline=_scores(data.y, base),
    )
