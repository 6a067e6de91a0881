"""Browser journey (issue 7 part 5): the nightly's retention step opens cases for at-risk
customers of a wealth manager; they open 挽留, read a case's reasons and suggested actions, log a
contact and see it in the case's history; their outlet head reads 挽留效果 per outlet. Scores
are written into the demo's database directly (the scoring is another step's job); headless
Chromium from Debian, screenshots to artifacts/browser/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bankcrm.assignment.models import CustomerOwner
from bankcrm.churn import cases, jobs
from bankcrm.churn.models import ChurnScore, RetentionCase
from bankcrm.customers.models import Customer
from bankcrm.db.session import make_engine
from bankcrm.orgs.models import Staff
from bankcrm.security.models import User
from bankcrm.tiering.models import CustomerTier
from tests.ui.conftest import Server, demo_server, login, shot

VIEWPORT = {"width": 1400, "height": 900}
REASONS = [
    {"code": "outflow_other_bank_30d_fen", "text": "近30天转出他行 38.2万", "contribution": 0.9},
    {"code": "maturing_30d_fen", "text": "30天内定期到期 20万", "contribution": 0.4},
]


def _history(s: Session, org: str, day: date) -> None:
    """Cases whose window ended: 60 treated (15 lost), 20 control (8 lost) at the outlet."""
    opened = day - timedelta(days=120)
    for i in range(80):
        group = "treated" if i < 60 else "control"
        lost = i < 15 or 60 <= i < 68
        s.add(
            RetentionCase(
                customer_id=f"HIST{i:03d}",
                opened_on=opened,
                group_name=group,
                seed=i,
                model_version="demo",
                score=0.7,
                reasons="[]",
                suggested_actions="[]",
                org_id=org,
                rule_set="maintenance_3tier",
                tier="中端",
                aum_month_avg_fen=30_000_000,
                due_on=opened + timedelta(days=14),
                window_end=day - timedelta(days=30),
                status="closed",
                outcome="lost" if lost else "retained",
                outcome_on=day - timedelta(days=30),
            )
        )


def _seed(db: Path, manager: str) -> list[str]:
    """High scores for three of the manager's maintained customers, the retention step, and a
    history of ended cases; the customers given a case."""
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        staff_id = s.scalar(select(User.staff_id).where(User.username == manager))
        staff = s.get(Staff, staff_id)
        assert staff is not None
        day = s.scalar(select(func.max(Customer.as_of)))
        assert day is not None
        chosen = list(
            s.scalars(
                select(CustomerOwner.customer_id)
                .join(CustomerTier, CustomerTier.customer_id == CustomerOwner.customer_id)
                .where(
                    CustomerOwner.staff_id == staff_id,
                    CustomerTier.rule_set == "maintenance_3tier",
                    CustomerTier.tier != "大众",
                )
                .order_by(CustomerOwner.customer_id)
                .limit(3)
            )
        )
        assert chosen, "the demo manager maintains no customer"
        s.execute(delete(ChurnScore).where(ChurnScore.customer_id.in_(chosen)))
        for cid in chosen:
            s.add(
                ChurnScore(
                    customer_id=cid,
                    model_version="demo",
                    score=0.82,
                    band="high",
                    reasons=json.dumps(REASONS, ensure_ascii=False),
                    indicators="[]",
                    as_of=day,
                )
            )
        s.flush()
        jobs.run(s, day, cases.Options(control_share=0.0))
        _history(s, staff.org_id, day)
        s.commit()
    engine.dispose()
    return chosen


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, list[str]]]:
    work = tmp_path_factory.mktemp("retention")
    with demo_server(work, "--business-date", "auto") as served:
        manager = served[1]["理财经理"].split("\t")[0]
        yield served, _seed(work / "bankcrm.db", manager)


def test_a_case_worked_by_its_owner_and_the_effect_for_the_head(
    server: tuple[Server, list[str]], browser: Browser
) -> None:
    (base, logins), chosen = server
    page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    login(page, base, logins["理财经理"])
    page.goto(f"{base}/retention")
    row = page.locator("#case-table tbody tr", has_text=chosen[0])
    expect(row).to_have_count(1, timeout=15_000)
    expect(row).to_contain_text("到期续作方案")
    shot(page, "r1-retention-cases")
    row.locator(".q-checkbox").click()
    expect(page.get_by_text("近30天转出他行 38.2万").last).to_be_visible(timeout=10_000)
    page.fill("#action-note", "客户资金转他行买理财，已推荐同类产品")
    shot(page, "r2-case-detail")
    page.click("#action-save")
    expect(page.get_by_text("已登记联系")).to_be_visible(timeout=10_000)
    history = page.locator("#case-actions tbody tr", has_text="客户资金转他行买理财")
    expect(history).to_have_count(1, timeout=10_000)
    shot(page, "r3-action-logged")

    head = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    login(head, base, logins["网点主任"])
    head.goto(f"{base}/retention")
    expect(head.locator("#case-table tbody tr", has_text=chosen[0])).to_have_count(1)
    ended = head.locator("#case-table tbody tr", has_text="HIST000")
    expect(ended).to_have_count(0)  # closed cases only on request
    head.click("#cases-closed")
    expect(ended).to_have_count(1, timeout=10_000)
    total = head.locator("#effect-table tbody tr", has_text="合计")
    expect(total).to_have_count(1, timeout=15_000)
    # 15/60 treated lost (25.0%), 8/20 control lost (40.0%): +15.0 points
    expect(total).to_contain_text("25.0%")
    expect(total).to_contain_text("40.0%")
    expect(total).to_contain_text("+15.0")
    shot(head, "r4-retention-effect")
