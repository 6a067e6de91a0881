"""Browser journey (issue 6): a wealth manager opens 今日待办, logs a contact on a task of the
business month and sees it done; their outlet head's 维护达标 page counts it as on time (read
before and after, in a browser context of its own). The demo server runs with
`--business-date auto` (the day after the demo's data date), as a demo bank does. Headless
Chromium from Debian (/usr/bin/chromium), driven by Playwright; screenshots to artifacts/browser/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.ui.conftest import Server, demo_server, login, shot

VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo bank, served with its business date the day after the data date."""
    with demo_server(tmp_path_factory.mktemp("maintenance"), "--business-date", "auto") as served:
        yield served


def _figures(row: Locator) -> tuple[int, str]:
    """按时 and 按时完成率 of a row of the by-staff compliance table."""
    cells = row.locator("td")
    return int(cells.nth(4).inner_text().strip()), cells.nth(8).inner_text().strip()


def _task_of_month(page: Page, month: str) -> tuple[str, Locator]:
    """The first open customer task of `month` (YYYY-MM) on the today or coming-days list."""
    buttons = page.locator("#today-list [id^=log-contact-], #upcoming-list [id^=log-contact-]")
    expect(buttons.first).to_be_visible(timeout=15_000)
    for i in range(buttons.count()):
        task_id = (buttons.nth(i).get_attribute("id") or "").removeprefix("log-contact-")
        row = page.locator(f"#task-{task_id}")
        if row.inner_text().startswith(month):
            return task_id, row
    raise AssertionError(f"no open customer task due in {month} on the today list")


def test_contact_counts_in_compliance(server: Server, browser: Browser) -> None:
    base, logins = server
    manager = logins["理财经理"].split("\t")[0]
    head = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    login(head, base, logins["网点主任"])
    head.goto(f"{base}/compliance")
    mine = head.locator("#compliance-table tbody tr", has_text=manager).first
    expect(mine).to_be_visible(timeout=15_000)
    on_time, rate = _figures(mine)
    shot(head, "m1-compliance-before")

    page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    login(page, base, logins["理财经理"])
    business_day = page.locator("#business-date")
    expect(business_day).to_have_text(re.compile(r"营业日 \d{4}-\d{2}-\d{2}"))
    month = business_day.inner_text().removeprefix("营业日 ")[:7]
    page.goto(f"{base}/tasks")
    expect(page.get_by_text("今日待办")).to_be_visible(timeout=15_000)
    task_id, row = _task_of_month(page, month)
    customer_id = (row.locator("a").get_attribute("href") or "").rsplit("/", 1)[-1]
    shot(page, "m2-today-list")

    page.click(f"#log-contact-{task_id}")
    page.fill("#contact-note", "电话联系，介绍本月新发理财产品")
    page.fill("#contact-next", "下周到网点面谈")
    shot(page, "m3-contact-dialog")
    page.click("#contact-save")
    expect(page.get_by_text("已登记，任务已完成")).to_be_visible(timeout=10_000)
    expect(page.locator(f"#log-contact-{task_id}")).to_have_count(0)
    page.click("#tab-list")
    done = page.locator("#calendar-table tbody tr", has_text=customer_id).filter(has_text="已完成")
    expect(done).to_have_count(1, timeout=10_000)
    shot(page, "m4-task-done")

    head.reload()
    mine = head.locator("#compliance-table tbody tr", has_text=manager).first
    expect(mine).to_be_visible(timeout=15_000)
    after = _figures(mine)
    assert after[0] == on_time + 1, f"按时 {on_time} → {after[0]}"
    assert after[1] != rate or rate == "100.0%", f"按时完成率 {rate} → {after[1]}"
    mine.click()
    expect(head.locator("#missed-table")).to_be_visible(timeout=10_000)
    shot(head, "m5-compliance-after")
    pack = head.request.get(f"{base}/api/v1/compliance/meeting.xlsx")
    assert pack.status == 200 and pack.body()[:2] == b"PK"
