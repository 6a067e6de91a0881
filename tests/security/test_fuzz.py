"""API fuzzing (issue 5): schemathesis generates requests from the app's own OpenAPI — a
bounded number per operation, authenticated as two roles (an outlet head and an analyst) — and
no response may be a 5xx."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from bankcrm.security.roles import Role
from tests.security.conftest import bearer
from tests.security.world import World

EXAMPLES = 25  # per operation and role


def test_no_server_errors(client: TestClient, world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []
    for op in operations:
        for role in (Role.outlet_head, Role.analyst):
            fuzz(op, role, client, world, failures)
    assert failures == []


def fuzz(op, role: Role, client: TestClient, world: World, failures: list[str]) -> None:  # type: ignore[no-untyped-def]
    """EXAMPLES generated requests for one operation as one role; 5xx answers are collected."""

    @given(case=op.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same examples every run: CI is never red by luck
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        kwargs = case.as_transport_kwargs(headers=bearer(world, role))
        kwargs.pop("base_url", None)
        kwargs.pop("cookies", None)  # the API takes no cookie parameters
        response = client.request(url=kwargs.pop("url"), **kwargs)
        if response.status_code >= 500:
            failures.append(f"{role} {case.method} {case.formatted_path}: {response.text[:200]}")

    run()
