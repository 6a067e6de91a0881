"""The bank's fixed tables: the org tree (one city), its staff and the product catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from bankcrm.demo import columns as col
from bankcrm.demo.names import NETWORK, mobiles, person_names
from bankcrm.demo.timeline import day_of

BANK = "演示银行"
HEAD_OFFICE, BRANCH = "0001", "0100"


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    category: str
    asset_class: str | None  # None: a liability or a service, never in AUM
    risk: int  # 1..5 for R1..R5, 0 when not rated
    term_days: int | None
    min_yuan: int | None
    launched: date
    active: bool = True
    rate_micro: int | None = None  # rate (or expected yield) in millionths of a percent


def _p(
    code: str,
    name: str,
    cat: str,
    ac: str | None,
    risk: int,
    term: int | None,
    min_yuan: int | None,
    launched: str,
    rate: float | None = None,
    *,
    active: bool = True,
) -> Product:
    micro = None if rate is None else round(rate * 1_000_000)
    day = date.fromisoformat(launched)
    return Product(code, name, cat, ac, risk, term, min_yuan, day, active, micro)


# fmt: off
PRODUCTS: tuple[Product, ...] = (
    _p("DD01", "个人活期储蓄", "deposit_demand", "demand", 1, 0, 0, "2001-01-01", 0.05),
    _p("TD03", "整存整取三个月", "deposit_time", "time", 1, 90, 50, "2001-01-01", 0.85),
    _p("TD06", "整存整取六个月", "deposit_time", "time", 1, 180, 50, "2001-01-01", 1.05),
    _p("TD12", "整存整取一年", "deposit_time", "time", 1, 365, 50, "2001-01-01", 1.25),
    _p("TD24", "整存整取二年", "deposit_time", "time", 1, 730, 50, "2001-01-01", 1.35),
    _p("TD36", "整存整取三年", "deposit_time", "time", 1, 1095, 50, "2001-01-01", 1.60),
    _p("TD60", "整存整取五年", "deposit_time", "time", 1, 1825, 50, "2001-01-01", 1.60),
    _p("CD12", "个人大额存单一年期", "deposit_time", "time", 1, 365, 200_000, "2016-06-01", 1.45),
    _p("CD36", "个人大额存单三年期", "deposit_time", "time", 1, 1095, 200_000, "2016-06-01", 1.85),
    _p("WM01", "稳享现金管理1号", "wealth", "wealth", 1, 0, 1, "2019-03-01", 1.80),
    _p("WM02", "安盈90天持有期", "wealth", "wealth", 2, 90, 10_000, "2018-05-01", 2.40),
    _p("WM03", "安盈180天持有期", "wealth", "wealth", 2, 180, 10_000, "2018-05-01", 2.60),
    _p("WM04", "悦享一年定开", "wealth", "wealth", 3, 365, 10_000, "2019-01-01", 3.10),
    _p("WM05", "睿远两年封闭", "wealth", "wealth", 3, 730, 10_000, "2020-01-01", 3.40),
    _p("WM06", "进取增强一年(混合类)", "wealth", "wealth", 4, 365, 10_000, "2020-06-01", 4.20),
    _p("WM90", "安盈60天(已停售)", "wealth", "wealth", 2, 60, 10_000, "2017-01-01", 2.90,
       active=False),
    _p("FD01", "稳健纯债债券A", "fund", "fund", 2, 0, 10, "2015-01-01"),
    _p("FD02", "平衡配置混合C", "fund", "fund", 3, 0, 10, "2016-01-01"),
    _p("FD03", "沪深300指数增强A", "fund", "fund", 4, 0, 10, "2014-01-01"),
    _p("FD04", "科技创新股票A", "fund", "fund", 5, 0, 10, "2019-07-01"),
    _p("FD05", "全球精选QDII", "fund", "fund", 5, 0, 10, "2017-01-01"),
    _p("IN01", "鑫享年金保险(分红型)", "insurance", "insurance", 2, 3650, 10_000, "2018-01-01", 2.00),
    _p("IN02", "增额终身寿险", "insurance", "insurance", 1, None, 10_000, "2020-01-01", 2.50),
    _p("IN03", "安康两全保险(十年期)", "insurance", "insurance", 1, 3650, 5_000, "2017-01-01", 2.00),
    _p("BD03", "储蓄国债(凭证式)三年期", "bond", "bond", 1, 1095, 100, "2010-01-01", 1.63),
    _p("BD05", "储蓄国债(电子式)五年期", "bond", "bond", 1, 1825, 100, "2010-01-01", 1.70),
    _p("MT01", "积存金", "metal", "metal", 3, 0, 500, "2015-01-01"),
    _p("CU01", "银证三方存管", "custody", "custody", 0, 0, 0, "2005-01-01", 0.05),
    _p("LN01", "个人住房贷款", "loan", None, 0, None, None, "2001-01-01"),
    _p("LN02", "个人住房组合贷款(公积金)", "loan", None, 0, None, None, "2005-01-01"),
    _p("LN03", "个人消费贷款", "loan", None, 0, None, None, "2012-01-01"),
    _p("LN04", "个人经营贷款", "loan", None, 0, None, None, "2010-01-01"),
    _p("LN05", "个人汽车贷款", "loan", None, 0, None, None, "2012-01-01"),
    _p("CC01", "标准信用卡", "credit_card", None, 0, None, None, "2008-01-01"),
    _p("CC02", "金卡信用卡", "credit_card", None, 0, None, None, "2008-01-01"),
    _p("CC03", "白金信用卡", "credit_card", None, 0, None, None, "2010-01-01"),
    _p("CC04", "钻石信用卡", "credit_card", None, 0, None, None, "2014-01-01"),
    _p("DC01", "借记卡普卡", "debit_card", None, 0, None, None, "2001-01-01"),
    _p("DC02", "理财金卡", "debit_card", None, 0, None, None, "2005-01-01"),
    _p("EB01", "手机银行", "e_banking", None, 0, None, None, "2013-01-01"),
    _p("EB02", "个人网上银行(U盾)", "e_banking", None, 0, None, None, "2006-01-01"),
)
# fmt: on
PRODUCT_INDEX = {p.code: i for i, p in enumerate(PRODUCTS)}


def products_table() -> pa.Table:
    ps = PRODUCTS
    term = np.array([p.term_days or 0 for p in ps])
    mn = np.array([(p.min_yuan or 0) * 100 for p in ps], dtype=np.int64)
    return pa.table(
        {
            "product_code": [p.code for p in ps],
            "name": [p.name for p in ps],
            "category": [p.category for p in ps],
            "risk_level": pa.array([f"R{p.risk}" if p.risk else None for p in ps]),
            "term_days": col.ints(term, np.array([p.term_days is not None for p in ps])),
            "min_amount": col.money(mn, np.array([p.min_yuan is not None for p in ps])),
            "launched_on": col.dates([day_of(p.launched) for p in ps]),
            "active": pa.array([p.active for p in ps]),
        },
        schema=col.schema("products"),
    )


@dataclass(frozen=True)
class Org:
    org_id: str
    parent_id: str | None
    name: str
    level: str
    district: int  # index into names.DISTRICTS (-1 above the sub-branches)


def org_units() -> list[Org]:
    """总行 → 苏州分行 → 3 支行 → 12 网点."""
    orgs = [
        Org(HEAD_OFFICE, None, f"{BANK}总行", "head_office", -1),
        Org(BRANCH, HEAD_OFFICE, f"{BANK}苏州分行", "branch", -1),
    ]
    for i, (sub, district, outlets) in enumerate(NETWORK, start=1):
        sid = f"01{i}0"
        orgs.append(Org(sid, BRANCH, f"{BANK}苏州{sub}", "sub_branch", district))
        orgs += [
            Org(f"01{i}{j}", sid, f"{BANK}苏州{name}", "outlet", district)
            for j, name in enumerate(outlets, start=1)
        ]
    return orgs


def outlets() -> list[Org]:
    return [o for o in org_units() if o.level == "outlet"]


def org_table() -> pa.Table:
    orgs = org_units()
    return pa.table(
        {
            "org_id": [o.org_id for o in orgs],
            "parent_id": [o.parent_id for o in orgs],
            "name": [o.name for o in orgs],
            "level": [o.level for o in orgs],
        },
        schema=col.schema("org_units"),
    )


def _roster(rng: np.random.Generator, scale: float) -> list[tuple[str, str]]:
    """(org_id, role) per staff member: outlet teams, sub-branch leaders, branch functions."""
    rows: list[tuple[str, str]] = []
    for o in org_units():
        if o.level == "outlet":
            team = {
                "outlet_head": 1,
                "lobby_manager": 1,
                "teller": int(rng.integers(2, 4) * scale + 0.5),
                "account_manager": int(rng.integers(1, 3) * scale + 0.5),
                "wealth_manager": int(rng.integers(1, 3) * scale + 0.5),
            }
        elif o.level == "sub_branch":
            team = {"sub_branch_president": 1, "sub_branch_vp": 1, "retail_head": 1}
        elif o.level == "branch":
            team = {"analyst": 2, "rule_admin": 1, "auditor": 1, "admin": 1}
        else:
            team = {"analyst": 1, "auditor": 1, "admin": 1}
        rows += [(o.org_id, role) for role, k in team.items() for _ in range(k)]
    return rows


def staff_table(rng: np.random.Generator, customers: int, start_day: int) -> pa.Table:
    """About 100 staff at 20k customers; outlet teams grow with the cube root of the book."""
    roster = _roster(rng, max(1.0, (customers / 20_000) ** (1 / 3)))
    n = len(roster)
    male = rng.random(n) < 0.45
    birth_year = rng.integers(1966, 2002, n)
    joined = start_day - rng.integers(30, 365 * 25, n)
    adult = day_of(date(1966, 1, 1)) + ((birth_year - 1966 + 21) * 365.25).astype(np.int64)
    joined = np.maximum(joined, adult)  # nobody joins before 21
    left = rng.random(n) < 0.04
    return pa.table(
        {
            "staff_id": [f"S{i + 1:05d}" for i in range(n)],
            "name": person_names(rng, male, birth_year).tolist(),
            "org_id": [o for o, _ in roster],
            "role": [r for _, r in roster],
            "phone": mobiles(rng, n).astype(str).tolist(),
            "status": np.where(left, "left", "active").tolist(),
            "joined_on": col.dates(np.minimum(joined, start_day - 1)),
        },
        schema=col.schema("staff"),
    )
