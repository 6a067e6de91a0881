"""The customer list's filters and keyset paging, the 360 view and the tier distribution."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bankcrm.security.roles import Role
from bankcrm.tiering.models import CustomerTier, TierChange
from tests.security.conftest import bearer
from tests.security.world import AS_OF, World


def ids(r) -> list[str]:  # type: ignore[no-untyped-def]
    assert r.status_code == 200, r.text
    return [i["customer_id"] for i in r.json()["items"]]


def test_outlet_filter_inside_the_scope(client: TestClient, world: World) -> None:
    h = bearer(world, Role.sub_branch_president)
    assert ids(client.get("/api/v1/customers", params={"outlet": "OU2"}, headers=h)) == ["C-OU2"]
    # an outlet outside the scope gives nothing, not an error
    assert ids(client.get("/api/v1/customers", params={"outlet": "OU3"}, headers=h)) == []


def test_keyset_pages_cover_every_row_once_in_both_orders(client: TestClient, world: World) -> None:
    h = bearer(world, Role.analyst)
    for sort in ("customer_id", "-aum_month_avg"):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
            page = client.get("/api/v1/customers", params=params, headers=h).json()
            seen += [i["customer_id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 7  # 4 front-line own + 3 shared
        if sort == "customer_id":
            assert seen == sorted(seen)


def test_aum_range_in_yuan(client: TestClient, world: World) -> None:
    h = bearer(world, Role.analyst)
    # 月日均 of C-OU1 is 40,000,900 fen = 400,009.00 yuan
    got = ids(
        client.get(
            "/api/v1/customers", params={"aum_min": "400009.00", "aum_max": "400009.00"}, headers=h
        )
    )
    assert got == ["C-OU1"]


def test_tier_filters_and_distribution(
    client: TestClient, world: World, db_session: Session
) -> None:
    for cid, tier, rank in (("C-OU1", "中端", 1), ("C-OU2", "高端", 2), ("C-OU3", "中端", 1)):
        db_session.add(
            CustomerTier(
                customer_id=cid,
                rule_set="maintenance_3tier",
                version=1,
                tier=tier,
                tier_rank=rank,
                basis_value_fen=1,
                threshold_fen=1,
                reason="r",
                since=AS_OF,
                as_of=AS_OF,
            )
        )
    db_session.add(
        TierChange(
            customer_id="C-OU2",
            rule_set="maintenance_3tier",
            version=1,
            effective_on=AS_OF,
            from_tier="中端",
            to_tier="高端",
            direction="up",
            basis_value_fen=1,
            reason="r",
        )
    )
    db_session.flush()
    h = bearer(world, Role.sub_branch_president)
    assert ids(client.get("/api/v1/customers", params={"tier": "中端"}, headers=h)) == ["C-OU1"]
    since = {"tier_changed_since": date(2026, 10, 1).isoformat()}
    assert ids(client.get("/api/v1/customers", params=since, headers=h)) == ["C-OU2"]
    dist = client.get("/api/v1/tiers/distribution", headers=h).json()
    assert [(b["tier"], b["customers"]) for b in dist["buckets"]] == [("中端", 1), ("高端", 1)]
    assert dist["changes_this_month"] == {"up": 1}


def test_bad_cursor_and_unknown_customer(client: TestClient, world: World) -> None:
    h = bearer(world, Role.outlet_head)
    assert client.get("/api/v1/customers", params={"cursor": "%%%"}, headers=h).status_code == 422
    assert client.get("/api/v1/customers/NOPE", headers=h).status_code == 404
    assert client.get("/api/v1/customers", headers={}).status_code == 401


def test_nul_in_any_input_is_a_422(client: TestClient, world: World) -> None:
    h = bearer(world, Role.outlet_head)
    assert client.get("/api/v1/customers", params={"tier": "a\x00"}, headers=h).status_code == 422
    made = client.post("/api/v1/tokens", json={"name": "x\x00y"}, headers=h)
    assert made.status_code == 422 and "NUL" in made.json()["detail"]
