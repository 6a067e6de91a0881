"""Typed settings. Every value has a zero-config default under ./var/; override with BANKCRM_* env vars."""

from __future__ import annotations

from datetime import date
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

    db_pool_size: int = Field(default=10, ge=1, description="PostgreSQL 连接池大小（每个进程）")
    db_max_overflow: int = Field(default=20, ge=0, description="连接池溢出上限（每个进程）")
    maintenance_rule_set: str = Field(
        default="maintenance_3tier",
        description="管户与维护标准所依据的分层规则集（其同名维护方案）",
    )
    business_date: date | None = Field(
        default=None, description="营业日期（默认今天；演示库或培训环境可固定为数据日期次日）"
    )
    task_horizon_days: int = Field(default=45, ge=1, le=120, description="任务日历生成天数")
    # security (DESIGN §7); the caps are the issue's: idle ≤ 30 min, lifetime ≤ 12 h
    session_idle_minutes: int = Field(default=15, ge=1, le=30, description="会话空闲超时（分钟）")
    session_max_hours: int = Field(default=8, ge=1, le=12, description="会话绝对有效期（小时）")
    login_max_failures: int = Field(default=5, ge=1, description="账户连续失败次数上限")
    login_lock_minutes: int = Field(default=15, ge=1, description="首次锁定时长，重复时翻倍")
    login_lock_max_hours: int = Field(default=24, ge=1, le=24, description="锁定时长上限")
    address_max_failures: int = Field(
        default=20, ge=1, description="同一来源地址 15 分钟内失败次数上限"
    )
    password_min_length: int = Field(default=12, ge=12, le=128)
    password_min_classes: int = Field(
        default=3, ge=0, le=4, description="口令至少包含的字符类别数（大写/小写/数字/符号）"
    )
    password_max_age_days: int = Field(
        default=0, ge=0, description="口令有效期（天），0 表示不强制定期更换"
    )
    audit_retention_days: int = Field(
        default=1095, ge=180, description="审计日志保留天数（不得少于 180 天，网络安全法六个月）"
    )
    secure_cookies: bool = Field(default=False, description="经 TLS 提供服务时设为 true")


@lru_cache
def get_settings() -> Settings:
    return Settings()
