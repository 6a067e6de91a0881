"""Typed settings. Every value has a zero-config default under ./var/; override with BANKCRM_* env vars."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANKCRM_", env_file=".env", extra="ignore")

    lake_path: Path = Field(default=VAR / "lake", description="Root of the Parquet data lake")
    database_url: str = Field(
        default=f"sqlite:///{VAR / 'bankcrm.db'}",
        description="Operational DB: sqlite:///path or postgresql+psycopg://user:pw@host/db",
    )
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Batch engine for the nightly marts (spark needs bankcrm[spark])",
    )
    spark_master: str = Field(default="local[2]", description="Spark master URL")
    spark_shuffle_partitions: int = Field(default=4, ge=1, description="Spark shuffle partitions")
    batch_threads: int = Field(default=2, ge=1, description="DuckDB threads used by the nightly")
    batch_memory_limit: str = Field(
        default="4GB", description="DuckDB memory limit for the nightly"
    )
    own_bank_code: str = Field(
        default="DEMO", description="counterparty_bank of internal transfers"
    )
    ingest_threads: int = Field(default=2, ge=1, description="DuckDB threads used by the ingest")
    ingest_memory_limit: str = Field(default="3GB", description="DuckDB memory limit for ingest")
    report_detail_limit: int = Field(
        default=10_000, ge=1, description="Problems kept in detail per (table, rule) in a report"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
