"""Product catalogue published from the products extract (DESIGN §4)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from bankcrm.db.base import Base, SnapshotMixin, one_of


class Product(SnapshotMixin, Base):
    __tablename__ = "products"
    __table_args__ = (
        one_of("risk_level", ("R1", "R2", "R3", "R4", "R5"), name="risk_level"),
        CheckConstraint("min_amount_fen >= 0", name="min_amount_fen"),
    )

    product_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20), index=True)
    risk_level: Mapped[str | None] = mapped_column(String(2))
    term_days: Mapped[int | None]
    min_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    launched_on: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
