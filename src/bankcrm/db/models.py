"""Import every domain's models so Alembic and the drift test see the whole schema."""

from bankcrm.assignment.models import CustomerOwner
from bankcrm.customers.models import Customer
from bankcrm.db.base import Base
from bankcrm.orgs.models import OrgUnit, Staff
from bankcrm.products.models import Product
from bankcrm.security.models import (
    AccessToken,
    AddressThrottle,
    AuditEvent,
    User,
    UserRole,
    UserSession,
)
from bankcrm.tiering.models import CustomerTier, TierChange, TierRuleSet

__all__ = [
    "AccessToken",
    "AddressThrottle",
    "AuditEvent",
    "Base",
    "Customer",
    "CustomerOwner",
    "CustomerTier",
    "OrgUnit",
    "Product",
    "Staff",
    "TierChange",
    "TierRuleSet",
    "User",
    "UserRole",
    "UserSession",
]
