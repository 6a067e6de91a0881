"""A small public-style churn table made in the test (like the telecom churn sets analysts vet
models on): numeric, categorical (with missing values and a literal `unknown`), a date, an id
column and a Yes/No label drawn from a known logistic model."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv


def churn_table(rows: int = 3000, seed: int = 11) -> pa.Table:
    rng = np.random.default_rng(seed)
    tenure = rng.integers(1, 72, rows)
    charges = np.round(rng.uniform(20, 120, rows), 2)
    contract = rng.choice(["月付", "一年", "两年"], rows, p=[0.55, 0.25, 0.2])
    payment = rng.choice(["自动扣款", "柜面", "网银", "unknown"], rows)
    senior = rng.random(rows) < 0.16
    logit = (
        -1.2
        - 0.045 * tenure
        + 0.022 * (charges - 70)
        + np.select([contract == "月付", contract == "一年"], [1.4, 0.2], -0.9)
        + 0.5 * senior
        + 0.3 * (payment == "柜面")
    )
    churned = rng.random(rows) < 1 / (1 + np.exp(-logit))
    contract_col = [None if rng.random() < 0.03 else c for c in contract]
    opened = [date(2024, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 700, rows)]
    return pa.table(
        {
            "customer_no": [f"K{i:06d}" for i in range(rows)],
            "tenure_months": tenure,
            "monthly_charges": charges,
            "contract": contract_col,
            "payment": payment,
            "senior": senior,
            "opened_on": opened,
            "churn": np.where(churned, "Yes", "No"),
        }
    )


def write_csv(path: Path, rows: int = 3000) -> Path:
    pacsv.write_csv(churn_table(rows), path)
    return path
