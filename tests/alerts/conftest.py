"""Fixtures for the alert tests: the maintenance tests' small bank and pinned business date,
and the mart tests' DuckDB engine (reused, not copied)."""

from tests.analytics.marts.conftest import duck
from tests.maintenance.conftest import bank, business_day

__all__ = ["bank", "business_day", "duck"]
