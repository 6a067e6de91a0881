"""Browser journey (issue 7): the outlet head (网点主任) opens the 预警 inbox of the demo bank —
its alerts come from the demo's nightly runs; most are of unowned 大众 customers, which queue at
the outlet — handles one with a logged contact, and the counts change on the inbox and on the
home page. Screenshots to artifacts/browser/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.ui.conftest import Server, demo_server, login, shot

VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with demo_server(tmp_path_factory.mktemp("alerts"), "--business-date", "auto") as served:
        yield served


def _count(page: Page, element: str) -> int:
    return int(page.locator(f"#{element}").inner_text().replace(",", ""))


def test_outlet_head_handles_an_alert_with_a_contact(server: Server, browser: Browser) -> None:
    base, logins = server
    page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    login(page, base, logins["网点主任"])
    home_new = page.locator(".q-card", has_text="待确认预警").locator(".text-h5")
    expect(home_new).to_have_text(re.compile(r"^[\d,]+$"), timeout=15_000)
    before_home = int(home_new.inner_text().replace(",", ""))
    assert before_home > 0, "the demo's nightly gave this outlet no new alert"
    page.get_by_role("link", name="预警").click()
    expect(page.locator("#count-new")).to_be_visible(timeout=15_000)
    new, handled = _count(page, "count-new"), _count(page, "count-handled")
    assert new == before_home
    card = page.locator("[id^=alert-]").filter(has=page.locator("[id^=handle-]")).first
    alert_id = (card.get_attribute("id") or "").removeprefix("alert-")
    evidence = page.locator(f"#evidence-{alert_id}")
    expect(evidence).to_contain_text(re.compile(r"万|天|逾期|层级"))
    shot(page, "a1-inbox-before")
    page.locator(f"#handle-{alert_id}").click()
    page.locator("#handle-note").fill("已电话联系客户，预约到网点面谈")
    shot(page, "a2-handle-dialog")
    page.locator("#handle-submit").click()
    expect(page.locator("#count-handled")).to_have_text(f"{handled + 1:,}", timeout=10_000)
    assert _count(page, "count-new") == new - 1
    expect(page.locator(f"#alert-{alert_id}")).to_have_count(0)  # the 待确认 list moved on
    shot(page, "a3-inbox-after")
    total = int(re.sub(r"\D", "", page.locator("#alert-total").inner_text()))
    first = page.locator("[id^=evidence-]").first.get_attribute("id")
    if total > 50:  # 50 a page: the next page shows the next alerts
        expect(page.locator("#page-of")).to_have_text(f"第 1 / {-(-total // 50)} 页")
        page.locator("#page-next").click()
        expect(page.locator("#page-of")).to_have_text(f"第 2 / {-(-total // 50)} 页")
        expect(page.locator(f"#{first}")).to_have_count(0)
        assert page.locator("[id^=evidence-]").count() == min(50, total - 50)
    else:
        expect(page.locator("#page-of")).to_have_count(0)
    page.goto(f"{base}/")
    expect(home_new).to_have_text(f"{before_home - 1:,}", timeout=10_000)
    shot(page, "a4-home-after")
