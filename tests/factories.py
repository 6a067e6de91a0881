"""Plain factory functions with keyword overrides: a tiny, valid extract drop written by hand."""

from __future__ import annotations

import csv
from pathlib import Path

from bankcrm.analytics.ingest.contract import TABLES
from bankcrm.kit.idcard import check_char

AS_OF = "2026-10-31"


def resident_id(area: str = "330402", birth: str = "19850312", seq: str = "123") -> str:
    first17 = area + birth + seq
    return first17 + check_char(first17)


def drop_rows() -> dict[str, list[dict[str, str]]]:
    """Rows per table; tests change a cell, then write them with `write_drop`."""
    return {
        "org_units": [
            {"org_id": "HO", "parent_id": "", "name": "总行", "level": "head_office"},
            {"org_id": "BR1", "parent_id": "HO", "name": "嘉兴分行", "level": "branch"},
            {"org_id": "SB1", "parent_id": "BR1", "name": "南湖支行", "level": "sub_branch"},
            {"org_id": "OU1", "parent_id": "SB1", "name": "南湖网点", "level": "outlet"},
        ],
        "staff": [
            {
                "staff_id": "S1",
                "name": "王芳",
                "org_id": "OU1",
                "role": "wealth_manager",
                "phone": "13800001111",
                "status": "active",
                "joined_on": "2015-03-01",
            },
            {
                "staff_id": "S2",
                "name": "李强",
                "org_id": "OU1",
                "role": "理财经理",
                "phone": "",
                "status": "active",
                "joined_on": "20180701",
            },
        ],
        "products": [
            {
                "product_code": "DEP-DEMAND",
                "name": "活期储蓄",
                "category": "deposit_demand",
                "risk_level": "R1",
                "term_days": "",
                "min_amount": "0.00",
                "launched_on": "2000-01-01",
                "active": "true",
            },
            {
                "product_code": "DEP-1Y",
                "name": "整存整取一年",
                "category": "deposit_time",
                "risk_level": "R1",
                "term_days": "365",
                "min_amount": "50.00",
                "launched_on": "2000-01-01",
                "active": "true",
            },
            {
                "product_code": "WM-180",
                "name": "稳健理财180天",
                "category": "wealth",
                "risk_level": "R2",
                "term_days": "180",
                "min_amount": "10000",
                "launched_on": "2024-01-01",
                "active": "1",
            },
        ],
        "customers": [
            _customer("C1", "张三", resident_id(birth="19850312", seq="123"), "1985-03-12", "M"),
            _customer("C2", "李四", resident_id(birth="19700101", seq="224"), "1970-01-01", "F"),
            _customer("C3", "王五", resident_id(birth="19991231", seq="017"), "19991231", "M"),
        ],
        "accounts": [
            _account("A1", "C1", "DEP-DEMAND", "demand"),
            _account("A2", "C1", "DEP-1Y", "time", maturity_date="2027-01-15", rate="1.45"),
            _account("A3", "C2", "DEP-DEMAND", "demand"),
            _account("A4", "C3", "WM-180", "wealth", maturity_date="2026-12-01"),
        ],
        "balances": [
            {"as_of": "2026-10-01", "account_id": "A1", "balance": "1000.00"},
            {"as_of": "2026-10-15", "account_id": "A1", "balance": "1250.5"},
            {"as_of": "2026-10-01", "account_id": "A2", "balance": "50000"},
            {"as_of": "2026-10-01", "account_id": "A3", "balance": "0.01"},
            {"as_of": "2026-10-01", "account_id": "A4", "balance": "123456789.99"},
        ],
        "transactions": [
            _txn("T1", "A1", "C1", "2026-10-15", "250.50", "in", "salary"),
            _txn("T2", "A3", "C2", "2026-10-20", "80000.00", "out", "transfer"),
        ],
        "loans": [
            {
                "loan_id": "L1",
                "customer_id": "C2",
                "product_code": "DEP-DEMAND",
                "principal": "300000.00",
                "balance": "120000.00",
                "opened_on": "2020-05-01",
                "maturity_date": "2040-05-01",
                "overdue_days": "0",
                "overdue_amount": "",
                "status": "normal",
            },
        ],
        "cards": [
            {
                "card_id": "K1",
                "customer_id": "C1",
                "card_type": "debit",
                "level": "gold",
                "opened_on": "2019-01-01",
                "credit_limit": "",
                "status": "active",
            },
        ],
    }


def _customer(cid: str, name: str, idn: str, birth: str, gender: str) -> dict[str, str]:
    return {
        "customer_id": cid,
        "name": name,
        "id_type": "resident_id",
        "id_number": idn,
        "birth_date": birth,
        "home_org_id": "OU1",
        "opened_on": "2010-06-01",
        "gender": gender,
        "phone": "13912345678",
        "home_phone": "0573-82345678",
        "address": "浙江省嘉兴市南湖区",
        "employer": "",
        "occupation": "",
        "marital_status": "married",
        "risk_level": "C3",
        "risk_assessed_on": "2026-01-05",
        "status": "active",
        "closed_on": "",
        "e_banking": "是",
    }


def _account(aid: str, cid: str, product: str, asset_class: str, **kw: str) -> dict[str, str]:
    row = {
        "account_id": aid,
        "customer_id": cid,
        "product_code": product,
        "asset_class": asset_class,
        "opened_on": "2020-01-01",
        "maturity_date": "",
        "closed_on": "",
        "rate": "",
        "currency": "CNY",
    }
    row.update(kw)
    return row


def _txn(
    tid: str, aid: str, cid: str, day: str, amount: str, direction: str, kind: str
) -> dict[str, str]:
    return {
        "txn_id": tid,
        "account_id": aid,
        "customer_id": cid,
        "txn_date": day,
        "amount": amount,
        "direction": direction,
        "channel": "mobile",
        "txn_type": kind,
        "counterparty_name": "",
        "counterparty_account": "",
        "counterparty_bank": "ICBC",
        "memo": "",
    }


def write_drop(
    folder: Path,
    rows: dict[str, list[dict[str, str]]] | None = None,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    as_of: str | None = AS_OF,
) -> Path:
    """Write `rows` (default: the valid drop) as CSV files plus a manifest naming the as_of."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, table_rows in (rows or drop_rows()).items():
        columns = list(TABLES[table].column_names)
        if table_rows:  # a test may drop a column from the rows or add an unknown one
            columns = [c for c in columns if c in table_rows[0]]
            columns += [c for c in table_rows[0] if c not in columns]
        with (folder / f"{table}.csv").open("w", encoding=encoding, newline="") as fh:
            writer = csv.DictWriter(
                fh,
                fieldnames=columns,
                delimiter=delimiter,
                lineterminator="\n",
                extrasaction="ignore",
            )
            writer.writeheader()
            writer.writerows(table_rows)
    if as_of:
        (folder / "manifest.toml").write_text(f'as_of = "{as_of}"\n', encoding="utf-8")
    return folder
