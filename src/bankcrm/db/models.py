"""Import every domain's models so Alembic and the drift test see the whole schema."""

from bankcrm.customers.models import Customer
from bankcrm.db.base import Base
from bankcrm.orgs.models import OrgUnit, Staff
from bankcrm.products.models import Product
from bankcrm.tiering.models import TierRuleSet

__all__ = ["Base", "Customer", "OrgUnit", "Product", "Staff", "TierRuleSet"]
