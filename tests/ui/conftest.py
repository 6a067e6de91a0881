"""What the browser journeys share: a small demo bank served on a free loopback port, Debian's
Chromium (never a downloaded browser) driven by Playwright, login and screenshots."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
CLI = [str(Path(sys.executable).parent / "bankcrm")]
Server = tuple[str, dict[str, str]]  # base URL, login label → "username\tpassword"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def demo_server(work: Path, *serve_args: str) -> Iterator[Server]:
    """A small demo bank (1,500 customers, 2 months) built in `work` and served until the block
    ends; the demo logins as label → credentials."""
    env = {
        **os.environ,
        "BANKCRM_DATABASE_URL": f"sqlite:///{work / 'bankcrm.db'}",
        "BANKCRM_LAKE_PATH": str(work / "lake"),
    }
    env.pop("BANKCRM_BUSINESS_DATE", None)
    subprocess.run(
        [*CLI, "demo", "run", "--customers", "1500", "--months", "2", "--out", str(work / "drops")],
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
        [*CLI, "serve", "--port", str(port), *serve_args],
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
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), (
        "make test installs Debian's chromium (apt-get install chromium)"
    )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()


def login(page: Page, base: str, credentials: str) -> None:
    username, password = credentials.split("\t")
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
