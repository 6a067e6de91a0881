"""Import every domain's models so Alembic and the drift test see the whole schema."""

from bankcrm.customers.models import Customer
from bankcrm.db.base import Base
from bankcrm.orgs.models import OrgUnit, Staff
from bankcrm.products.models import Product
from bankcrm.tiering.models import CustomerTier, TierChange, TierRuleSet

__all__ = [
    "Base",
    "Customer",
    "CustomerTier",
    "OrgUnit",
    "Product",
    "Staff",
    "TierChange",
    "TierRuleSet",
]
