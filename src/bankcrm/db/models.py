"""Import every domain's models so Alembic and the drift test see the whole schema."""

from bankcrm.alerts.models import Alert, AlertEvent, AlertRuleSet
from bankcrm.assignment.models import AssignmentChange, CustomerOwner, Handover
from bankcrm.churn.models import ChurnScore, RetentionAction, RetentionCase
from bankcrm.customers.models import Customer
from bankcrm.db.base import Base
from bankcrm.maintenance.models import (
    Contact,
    CustomerProfile,
    HolidayOverride,
    MaintenancePolicy,
    ProductMessage,
    ProductMessageRecipient,
    ServicePlan,
    Task,
)
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
    "Alert",
    "AlertEvent",
    "AlertRuleSet",
    "AssignmentChange",
    "AuditEvent",
    "Base",
    "ChurnScore",
    "Contact",
    "Customer",
    "CustomerOwner",
    "CustomerProfile",
    "CustomerTier",
    "Handover",
    "HolidayOverride",
    "MaintenancePolicy",
    "OrgUnit",
    "Product",
    "ProductMessage",
    "ProductMessageRecipient",
    "RetentionAction",
    "RetentionCase",
    "ServicePlan",
    "Staff",
    "Task",
    "TierChange",
    "TierRuleSet",
    "User",
    "UserRole",
    "UserSession",
]
