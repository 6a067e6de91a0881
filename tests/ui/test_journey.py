"""Browser journey (issue 5): login → dashboard tier chart → customer list filter → customer 360
→ unmask with a reason → the auditor sees that unmask. Headless Chromium from Debian
(/usr/bin/chromium, installed by `make test`), driven by Playwright; never a downloaded browser.
Screenshots go to artifacts/browser/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A small demo bank (1,500 customers, 2 months) served on a free loopback port."""
    work = tmp_path_factory.mktemp("journey")
    env = {
        **os.environ,
        "BANKCRM_DATABASE_URL": f"sqlite:///{work / 'bankcrm.db'}",
        "BANKCRM_LAKE_PATH": str(work / "lake"),
    }
    cli = [str(Path(sys.executable).parent / "bankcrm")]
    subprocess.run(
        [*cli, "demo", "run", "--customers", "1500", "--months", "2", "--out", str(work / "drops")],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
    )
    logins = {}
    for line in (work / "var" / "demo-logins.txt").read_text("utf-8").splitlines():
        label, username, password = line.split("\t")
        logins[label] = f"{username}\t{password}"
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        else:
            raise RuntimeError("bankcrm serve did not start")
        yield base, logins
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert Path(CHROMIUM).exists(), (
        "make test installs Debian's chromium (apt-get install chromium)"
    )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


def _login(page: Page, base: str, credentials: str) -> None:
    username, password = credentials.split("\t")
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_journey(server: tuple[str, dict[str, str]], browser) -> None:  # type: ignore[no-untyped-def]
    base, logins = server
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    _login(page, base, logins["网点主任"])
    expect(page.locator("#tier-chart canvas")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("我的客户分层概览")).to_be_visible()
    _shot(page, "1-dashboard")

    page.goto(f"{base}/customers")
    page.get_by_label("层级", exact=True).fill("大众")
    page.click("#search")
    first = page.locator(".ag-center-cols-container .ag-row").first
    expect(first).to_be_visible(timeout=15_000)
    expect(page.locator(".ag-center-cols-container .ag-row [col-id=tier]").first).to_have_text(
        "大众"
    )
    _shot(page, "2-customer-list")
    customer_id = first.locator("[col-id=customer_id]").inner_text().strip()
    first.locator("[col-id=customer_id]").click()
    page.wait_for_url(f"{base}/customers/{customer_id}")
    name = page.locator("#field-name")
    expect(name).to_contain_text("*")
    _shot(page, "3-customer-360")

    page.click("#unmask")
    page.get_by_label("原因（必填）").fill("客户来电核实身份")
    page.click("#unmask-confirm")
    expect(name).not_to_contain_text("*", timeout=10_000)
    _shot(page, "4-unmasked")

    auditor = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    _login(auditor, base, logins["审计"])
    auditor.goto(f"{base}/audit")
    auditor.get_by_label("客户号", exact=True).fill(customer_id)
    auditor.click("#audit-search")
    row = auditor.locator("tr", has_text="查看明文").filter(has_text=customer_id)
    expect(row.first).to_be_visible(timeout=10_000)
    expect(row.first).to_contain_text("客户来电核实身份")
    _shot(auditor, "5-auditor-sees-unmask")
