"""The extract contract (DESIGN §4): which tables a drop holds, their columns, types and rules.

This module is data, not logic: the validator, the generator and the docs all read it, so a
column is described exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a cell is parsed. Every kind lands in the lake with one fixed type."""

    KEY = "key"  # VARCHAR, trimmed, never empty when required
    TEXT = "text"  # VARCHAR
    DATE = "date"  # DATE; YYYY-MM-DD or YYYYMMDD
    MONEY = "money"  # DECIMAL(18,2); decimal yuan, at most 2 decimals
    RATE = "rate"  # DECIMAL(12,6); an interest rate in percent
    INT = "int"  # INTEGER
    BOOL = "bool"  # BOOLEAN
    ENUM = "enum"  # VARCHAR holding the stable English code


@dataclass(frozen=True)
class Ref:
    """A foreign key: this column's value must be a key of `table` (in the drop or the lake)."""

    table: str
    column: str


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    enum: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # Chinese label -> code
    ref: Ref | None = None
    non_negative: bool = False
    not_after_as_of: bool = False  # a date that may not lie in the future of the drop's as_of
    check: str | None = None  # a named domain check: "resident_id", "mobile"
    allow_empty: bool = False  # a required column whose value may be empty (the root's parent)


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    must_have_rows: bool = True
    optional: bool = False  # the file may be absent from a drop

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


ORG_LEVELS = ("head_office", "branch", "sub_branch", "outlet")
ROLES = (
    "teller",
    "lobby_manager",
    "account_manager",
    "wealth_manager",
    "outlet_head",
    "retail_head",
    "sub_branch_vp",
    "sub_branch_president",
    "analyst",
    "rule_admin",
    "auditor",
    "admin",
)
PRODUCT_CATEGORIES = (
    "deposit_demand",
    "deposit_time",
    "wealth",
    "fund",
    "insurance",
    "bond",
    "metal",
    "custody",
    "loan",
    "credit_card",
    "debit_card",
    "e_banking",
    "other",
)
ASSET_CLASSES = ("demand", "time", "wealth", "fund", "insurance", "bond", "metal", "custody")
ID_TYPES = ("resident_id", "passport", "hk_mo_permit", "tw_permit", "foreign_permanent", "other")
CHANNELS = ("counter", "atm", "mobile", "online", "pos", "auto", "other")
TXN_TYPES = (
    "transfer",
    "cash",
    "salary",
    "purchase",
    "redemption",
    "fee",
    "interest",
    "repayment",
    "card_spend",
    "other",
)

_A = {  # Chinese labels accepted as aliases of the English codes
    "level": {"总行": "head_office", "分行": "branch", "支行": "sub_branch", "网点": "outlet"},
    "role": {
        "柜员": "teller",
        "大堂经理": "lobby_manager",
        "客户经理": "account_manager",
        "营销经理": "account_manager",
        "理财经理": "wealth_manager",
        "网点主任": "outlet_head",
        "网点负责人": "outlet_head",
        "个金科负责人": "retail_head",
        "分管行长": "sub_branch_vp",
        "支行行长": "sub_branch_president",
        "分析岗": "analyst",
        "规则管理员": "rule_admin",
        "审计": "auditor",
        "系统管理员": "admin",
    },
    "id_type": {
        "居民身份证": "resident_id",
        "护照": "passport",
        "港澳居民来往内地通行证": "hk_mo_permit",
        "台湾居民来往大陆通行证": "tw_permit",
        "外国人永久居留身份证": "foreign_permanent",
        "其他": "other",
    },
    "gender": {"男": "M", "女": "F"},
    "status": {
        "正常": "active",
        "在职": "active",
        "离职": "left",
        "销户": "closed",
        "关闭": "closed",
    },
    "direction": {"转入": "in", "收入": "in", "转出": "out", "支出": "out"},
    "channel": {
        "柜面": "counter",
        "ATM": "atm",
        "手机银行": "mobile",
        "网上银行": "online",
        "POS": "pos",
        "自动": "auto",
        "其他": "other",
    },
    "loan_status": {"正常": "normal", "逾期": "overdue", "结清": "closed"},
    "card_status": {"正常": "active", "冻结": "frozen", "销户": "closed"},
    "card_type": {"借记卡": "debit", "信用卡": "credit"},
    "card_level": {"普卡": "standard", "金卡": "gold", "白金卡": "platinum", "钻石卡": "diamond"},
    "marital": {"未婚": "single", "已婚": "married", "离异": "divorced", "丧偶": "widowed"},
}


def _enum(name: str, values: tuple[str, ...], aliases: str | None = None, **kw: object) -> Column:
    return Column(name, Kind.ENUM, enum=values, aliases=_A.get(aliases or name, {}), **kw)  # type: ignore[arg-type]


def _ref(table: str, column: str) -> Ref:
    return Ref(table, column)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "org_units",
            ("org_id",),
            (
                Column("org_id", Kind.KEY, required=True),
                Column(
                    "parent_id",
                    Kind.KEY,
                    required=True,
                    allow_empty=True,
                    ref=_ref("org_units", "org_id"),
                ),
                Column("name", Kind.TEXT, required=True),
                _enum("level", ORG_LEVELS, required=True),
            ),
        ),
        Table(
            "staff",
            ("staff_id",),
            (
                Column("staff_id", Kind.KEY, required=True),
                Column("name", Kind.TEXT, required=True),
                Column("org_id", Kind.KEY, required=True, ref=_ref("org_units", "org_id")),
                _enum("role", ROLES, required=True),
                Column("phone", Kind.TEXT, check="mobile"),
                _enum("status", ("active", "left")),
                Column("joined_on", Kind.DATE, not_after_as_of=True),
            ),
        ),
        Table(
            "products",
            ("product_code",),
            (
                Column("product_code", Kind.KEY, required=True),
                Column("name", Kind.TEXT, required=True),
                _enum("category", PRODUCT_CATEGORIES, required=True),
                _enum("risk_level", ("R1", "R2", "R3", "R4", "R5")),
                Column("term_days", Kind.INT, non_negative=True),
                Column("min_amount", Kind.MONEY, non_negative=True),
                Column("launched_on", Kind.DATE, not_after_as_of=True),
                Column("active", Kind.BOOL),
            ),
        ),
        Table(
            "customers",
            ("customer_id",),
            (
                Column("customer_id", Kind.KEY, required=True),
                Column("name", Kind.TEXT, required=True),
                _enum("id_type", ID_TYPES, required=True),
                Column("id_number", Kind.TEXT, required=True, check="resident_id"),
                Column("birth_date", Kind.DATE, required=True, not_after_as_of=True),
                Column("home_org_id", Kind.KEY, required=True, ref=_ref("org_units", "org_id")),
                Column("opened_on", Kind.DATE, required=True, not_after_as_of=True),
                _enum("gender", ("M", "F")),
                Column("phone", Kind.TEXT, check="mobile"),
                Column("home_phone", Kind.TEXT),
                Column("address", Kind.TEXT),
                Column("employer", Kind.TEXT),
                Column("occupation", Kind.TEXT),
                _enum("marital_status", ("single", "married", "divorced", "widowed"), "marital"),
                _enum("risk_level", ("C1", "C2", "C3", "C4", "C5")),
                Column("risk_assessed_on", Kind.DATE, not_after_as_of=True),
                _enum("status", ("active", "closed")),
                Column("closed_on", Kind.DATE, not_after_as_of=True),
                Column("e_banking", Kind.BOOL),
            ),
        ),
        Table(
            "accounts",
            ("account_id",),
            (
                Column("account_id", Kind.KEY, required=True),
                Column(
                    "customer_id", Kind.KEY, required=True, ref=_ref("customers", "customer_id")
                ),
                Column(
                    "product_code", Kind.KEY, required=True, ref=_ref("products", "product_code")
                ),
                _enum("asset_class", ASSET_CLASSES, required=True),
                Column("opened_on", Kind.DATE, required=True, not_after_as_of=True),
                Column("maturity_date", Kind.DATE),
                Column("closed_on", Kind.DATE, not_after_as_of=True),
                Column("rate", Kind.RATE, non_negative=True),
                Column("currency", Kind.TEXT),
            ),
        ),
        Table(
            "balances",
            ("as_of", "account_id"),
            (
                Column("as_of", Kind.DATE, required=True, not_after_as_of=True),
                Column("account_id", Kind.KEY, required=True, ref=_ref("accounts", "account_id")),
                Column("balance", Kind.MONEY, required=True, non_negative=True),
            ),
        ),
        Table(
            "transactions",
            ("txn_id",),
            (
                Column("txn_id", Kind.KEY, required=True),
                Column("account_id", Kind.KEY, required=True, ref=_ref("accounts", "account_id")),
                Column(
                    "customer_id", Kind.KEY, required=True, ref=_ref("customers", "customer_id")
                ),
                Column("txn_date", Kind.DATE, required=True, not_after_as_of=True),
                Column("amount", Kind.MONEY, required=True, non_negative=True),
                _enum("direction", ("in", "out"), required=True),
                _enum("channel", CHANNELS),
                Column("txn_type", Kind.ENUM, enum=TXN_TYPES),
                Column("counterparty_name", Kind.TEXT),
                Column("counterparty_account", Kind.TEXT),
                Column("counterparty_bank", Kind.TEXT),
                Column("memo", Kind.TEXT),
            ),
            must_have_rows=False,
        ),
        Table(
            "loans",
            ("loan_id",),
            (
                Column("loan_id", Kind.KEY, required=True),
                Column(
                    "customer_id", Kind.KEY, required=True, ref=_ref("customers", "customer_id")
                ),
                Column(
                    "product_code", Kind.KEY, required=True, ref=_ref("products", "product_code")
                ),
                Column("principal", Kind.MONEY, required=True, non_negative=True),
                Column("balance", Kind.MONEY, required=True, non_negative=True),
                Column("opened_on", Kind.DATE, required=True, not_after_as_of=True),
                Column("maturity_date", Kind.DATE, required=True),
                Column("overdue_days", Kind.INT, required=True, non_negative=True),
                Column("overdue_amount", Kind.MONEY, non_negative=True),
                _enum("status", ("normal", "overdue", "closed"), "loan_status"),
            ),
            must_have_rows=False,
        ),
        Table(
            "cards",
            ("card_id",),
            (
                Column("card_id", Kind.KEY, required=True),
                Column(
                    "customer_id", Kind.KEY, required=True, ref=_ref("customers", "customer_id")
                ),
                _enum("card_type", ("debit", "credit"), required=True),
                _enum("level", ("standard", "gold", "platinum", "diamond"), "card_level"),
                Column("opened_on", Kind.DATE, not_after_as_of=True),
                Column("credit_limit", Kind.MONEY, non_negative=True),
                _enum("status", ("active", "frozen", "closed"), "card_status"),
            ),
            must_have_rows=False,
        ),
        Table(
            "digital_events",
            (),
            (
                Column(
                    "customer_id", Kind.KEY, required=True, ref=_ref("customers", "customer_id")
                ),
                Column("event_date", Kind.DATE, required=True, not_after_as_of=True),
                Column("event", Kind.TEXT, required=True),
                Column("count", Kind.INT, non_negative=True),
            ),
            must_have_rows=False,
            optional=True,
        ),
    )
}

# Tables in dependency order: a table's references point only to tables before it.
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)
EXTENSIONS = (".csv", ".parquet", ".xlsx")
