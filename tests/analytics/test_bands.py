from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from bankcrm.analytics.bands import aum_bands
from bankcrm.analytics.ingest import ingest_drop
from bankcrm.analytics.lake import Lake
from tests.factories import drop_rows, write_drop


def test_point_aum_bands_carry_balances_forward(tmp_path: Path) -> None:
    rows = drop_rows()
    rows["balances"] = [
        {"as_of": "2026-10-01", "account_id": "A1", "balance": "49999.99"},
        {"as_of": "2026-10-20", "account_id": "A1", "balance": "10.00"},  # C1: 10.00 + A2
        {"as_of": "2026-10-01", "account_id": "A2", "balance": "49990.00"},  # C1 = 50,000.00
        {"as_of": "2026-10-01", "account_id": "A3", "balance": "3000000.00"},  # C2
        {"as_of": "2026-10-01", "account_id": "A4", "balance": "499999.99"},  # C3
    ]
    lake = Lake(tmp_path / "lake")
    assert ingest_drop(write_drop(tmp_path / "d", rows), lake).status == "landed"
    bands = {b.name: (b.customers, b.aum) for b in aum_bands(lake, date(2026, 10, 31))}
    assert bands == {
        "<5万": (0, Decimal(0)),
        "5万-50万": (2, Decimal("549999.99")),  # 50,000.00 is 5万(含)
        "50万-300万": (0, Decimal(0)),
        "≥300万": (1, Decimal("3000000.00")),
    }
