"""Browser journey (issue 5): login → dashboard tier chart → customer list filter → customer 360
→ unmask with a reason → the auditor sees that unmask. Headless Chromium from Debian
(/usr/bin/chromium, installed by `make test`), driven by Playwright; never a downloaded browser.
Screenshots go to artifacts/browser/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import Server, demo_server, login, shot


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo bank, served."""
    with demo_server(tmp_path_factory.mktemp("journey")) as served:
        yield served


def test_journey(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    base, logins = server
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    login(page, base, logins["网点主任"])
    expect(page.locator("#tier-chart canvas")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("我的客户分层概览")).to_be_visible()
    shot(page, "1-dashboard")

    page.goto(f"{base}/customers")
    page.get_by_label("层级", exact=True).fill("大众")
    page.click("#search")
    first = page.locator(".ag-center-cols-container .ag-row").first
    expect(first).to_be_visible(timeout=15_000)
    expect(page.locator(".ag-center-cols-container .ag-row [col-id=tier]").first).to_have_text(
        "大众"
    )
    shot(page, "2-customer-list")
    customer_id = first.locator("[col-id=customer_id]").inner_text().strip()
    first.locator("[col-id=customer_id]").click()
    page.wait_for_url(f"{base}/customers/{customer_id}")
    name = page.locator("#field-name")
    expect(name).to_contain_text("*")
    shot(page, "3-customer-360")

    page.click("#unmask")
    page.get_by_label("原因（必填）").fill("客户来电核实身份")
    page.click("#unmask-confirm")
    expect(name).not_to_contain_text("*", timeout=10_000)
    shot(page, "4-unmasked")

    auditor = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    login(auditor, base, logins["审计"])
    auditor.goto(f"{base}/audit")
    auditor.get_by_label("客户号", exact=True).fill(customer_id)
    auditor.click("#audit-search")
    row = auditor.locator("tr", has_text="查看明文").filter(has_text=customer_id)
    expect(row.first).to_be_visible(timeout=10_000)
    expect(row.first).to_contain_text("客户来电核实身份")
    shot(auditor, "5-auditor-sees-unmask")
