"""Classification and masking (issue 5 §3): every customer-linked column and schema field is
tagged once in the registry; responses never carry a personal value unmasked unless asked for
through the audited path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bankcrm.db.models import Base
from bankcrm.kit import masking
from bankcrm.security.classification import COLUMNS, EXTRA, Category
from bankcrm.security.roles import Role
from tests.security.conftest import bearer
from tests.security.world import NAME, PHONE, World


def test_every_customer_linked_column_is_tagged() -> None:
    linked = [t for t in Base.metadata.sorted_tables if "customer_id" in t.c]
    assert {"customers", "customer_tiers", "tier_history", "customer_owners"} <= {
        t.name for t in linked
    }
    missing = [
        f"{t.name}.{c.name}" for t in linked for c in t.c if c.name not in COLUMNS.get(t.name, {})
    ]
    assert missing == []


def test_authentication_secrets_are_c3_and_hidden() -> None:
    for table, column in (
        ("users", "password_hash"),
        ("user_sessions", "id"),
        ("user_sessions", "csrf_token"),
        ("access_tokens", "token_hash"),
    ):
        assert table in Base.metadata.tables and column in Base.metadata.tables[table].c
        tag = COLUMNS[table][column]
        assert tag.category is Category.C3 and tag.mask == "hidden"


def _linked_schemas(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: s for name, s in spec["components"]["schemas"].items() if s.get("x-customer-linked")
    }


def test_every_field_of_a_customer_schema_in_the_openapi_is_tagged(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    schemas = _linked_schemas(spec)
    assert {"CustomerRow", "Profile", "AccountOut", "UnmaskedValues"} <= set(schemas)
    untagged = [
        f"{name}.{prop}"
        for name, s in schemas.items()
        for prop, p in s["properties"].items()
        if p.get("x-jrt0171") not in ("C1", "C2")
    ]
    assert untagged == []


def test_openapi_masked_fields_are_masked_in_every_response(
    client: TestClient, world: World
) -> None:
    """Walk the OpenAPI: each property with a masking rule, wherever it appears in a list or
    360 response, holds a masked value — and no response contains a full personal value."""
    spec = client.get("/api/openapi.json").json()
    masked = {
        (name, prop)
        for name, s in _linked_schemas(spec).items()
        for prop, p in s["properties"].items()
        if p.get("x-masking", "none") != "none"
    }
    assert ("Profile", "id_number") in masked and ("CustomerRow", "name") in masked
    role = Role.outlet_head
    h = bearer(world, role)
    cid = world.customer(role, "same_outlet")
    listing = client.get("/api/v1/customers", params={"customer_id": cid}, headers=h).json()
    detail = client.get(f"/api/v1/customers/{cid}", headers=h).json()
    text = json.dumps([listing, detail], ensure_ascii=False)
    full_id = "330402" + "19850312"
    for secret in (NAME, PHONE, full_id, "东升路"):
        assert secret not in text
    row, profile = listing["items"][0], detail["profile"]
    assert row["name"] == "欧**华" and row["phone"] == "139****5678"
    assert profile["id_number"].startswith("3") and set(profile["id_number"][1:-1]) == {"*"}
    assert profile["address"] == "浙江省嘉兴市南湖区****"


def test_unmask_returns_the_plain_value_only_through_the_audited_path(
    client: TestClient, world: World
) -> None:
    role = Role.outlet_head
    cid = world.customer(role, "same_outlet")
    r = client.post(
        f"/api/v1/customers/{cid}/unmask",
        json={"fields": ["name", "phone"], "reason": "客户来电核实"},
        headers=bearer(world, role),
    )
    assert r.json()["fields"] == {"name": NAME, "phone": PHONE}
    refused = client.post(
        f"/api/v1/customers/{cid}/unmask",
        json={"fields": ["aum_fen"], "reason": "看看"},
        headers=bearer(world, role),
    )
    assert refused.status_code == 422


@pytest.mark.parametrize(
    ("rule", "value", "shown"),
    [
        ("name", "张三", "张*"),
        ("name", "张晓三", "张*三"),
        ("name", "欧阳明华", "欧**华"),
        ("id_number", "330402198503121234", "3****************4"),
        ("phone", "13812345678", "138****5678"),
        ("card", "6222021234567890123", "622202*********0123"),
        ("address", "浙江省嘉兴市南湖区东升路 88 号", "浙江省嘉兴市南湖区****"),
        ("address", "北京市朝阳区建国路 1 号", "北京市朝阳区****"),
        ("address", "苏州市姑苏路 1 号", "苏州市****"),
    ],
)
def test_masking_rules(rule: str, value: str, shown: str) -> None:
    assert masking.apply(rule, value) == shown
    assert masking.apply(rule, None) is None


def test_extra_fields_used_by_schemas_exist() -> None:
    assert EXTRA["account_id"].mask == "card"
