"""Who maintains each customer (管户). Issue 5 needs it for the data scope of front-line roles;
the assignment rules, attribution and hand-over come with issue 6."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bankcrm.db.base import Base


class CustomerOwner(Base):
    __tablename__ = "customer_owners"

    customer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff.staff_id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    since: Mapped[date]
