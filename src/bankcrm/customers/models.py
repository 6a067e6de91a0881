"""Customer snapshot: the latest profile of each customer (customers extract) and the nightly
figures staff look at first (AUM, 月日均, key holdings), published per as_of.

Personal fields are stored as the bank sent them; masking happens on every read path (DESIGN §7).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bankcrm.db.base import Base, SnapshotMixin, one_of


class Customer(SnapshotMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (
        one_of("gender", ("M", "F"), name="gender"),
        one_of("status", ("active", "closed"), name="status"),
        one_of("risk_level", ("C1", "C2", "C3", "C4", "C5"), name="risk_level"),
        # the "by 月日均" list: keyset pages walk this index backwards from the top
        Index("ix_customers_aum_month_avg_fen_customer_id", "aum_month_avg_fen", "customer_id"),
    )

    customer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    id_type: Mapped[str] = mapped_column(String(20))
    id_number: Mapped[str] = mapped_column(String(32), index=True)
    birth_date: Mapped[date]
    gender: Mapped[str | None] = mapped_column(String(1))
    home_org_id: Mapped[str] = mapped_column(String(32), ForeignKey("org_units.org_id"), index=True)
    opened_on: Mapped[date]
    phone: Mapped[str | None] = mapped_column(String(20))
    home_phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(200))
    employer: Mapped[str | None] = mapped_column(String(100))
    occupation: Mapped[str | None] = mapped_column(String(50))
    marital_status: Mapped[str | None] = mapped_column(String(10))
    risk_level: Mapped[str | None] = mapped_column(String(2))
    risk_assessed_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(8), default="active")
    closed_on: Mapped[date | None]
    e_banking: Mapped[bool | None]
    # nightly figures (as of `as_of`), money in fen
    aum_fen: Mapped[int | None] = mapped_column(BigInteger)
    aum_month_avg_fen: Mapped[int | None] = mapped_column(BigInteger)
    deposit_month_avg_fen: Mapped[int | None] = mapped_column(BigInteger)
    aum_year_avg_fen: Mapped[int | None] = mapped_column(BigInteger)
    product_count: Mapped[int | None]
    has_debit_gold: Mapped[bool | None]
    has_credit_card: Mapped[bool | None]
    has_wealth: Mapped[bool | None]
    has_fund: Mapped[bool | None]
    has_insurance: Mapped[bool | None]
    next_maturity_date: Mapped[date | None]
