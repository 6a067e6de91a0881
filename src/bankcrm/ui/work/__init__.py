"""The workbench (简体中文): 今日待办 and the task calendar (/tasks), 预警 (/alerts), 维护达标
(/compliance), 管户移交 (/handovers), 挽留 (/retention), and the 维护记录 section of the customer
360 page.

Like the other pages these call the services through `act` (live session, one transaction,
BankCrmError shown as a notification): the same scope, masking and audit as the API.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from bankcrm.security import service as security
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission
from bankcrm.ui.work.alerts import alerts_page
from bankcrm.ui.work.common import Act, Enter
from bankcrm.ui.work.compliance import compliance_page
from bankcrm.ui.work.customer import customer_section
from bankcrm.ui.work.handovers import handovers_page
from bankcrm.ui.work.retention import retention_page
from bankcrm.ui.work.tasks import tasks_page

__all__ = ["customer_section", "install"]


Page = Callable[[Request, Act, Actor], None]
# path → (heading, the permission it needs, the refusal, the page)
PAGES: dict[str, tuple[str, Permission, str, Page]] = {
    "/tasks": ("任务", Permission.list_customers, "无权查看维护任务", tasks_page),
    "/alerts": ("预警", Permission.list_customers, "无权查看预警", alerts_page),
    "/compliance": (
        "维护达标", Permission.view_compliance, "无权查看维护达标情况", compliance_page,
    ),
    "/handovers": ("管户移交", Permission.list_customers, "无权查看管户移交", handovers_page),
    "/retention": ("挽留", Permission.list_customers, "无权查看挽留工单", retention_page),
}  # fmt: skip


def install(app: FastAPI, *, enter: Enter, act: Act) -> None:
    """Register the workbench pages of `PAGES` (`enter` and `act` from `pages.install`)."""
    del app  # the pages register on NiceGUI's router, which `ui.run_with` mounts on `app`
    for path, (heading, permission, refusal, render) in PAGES.items():
        _register(path, heading, permission, refusal, render, enter, act)


def _register(
    path: str,
    heading: str,
    permission: Permission,
    refusal: str,
    render: Page,
    enter: Enter,
    act: Act,
) -> None:
    @ui.page(path)
    def page(request: Request) -> RedirectResponse | None:
        auth = enter(request, heading, permission, refusal)
        if not isinstance(auth, security.Authenticated):
            return auth
        render(request, act, auth.actor)
        return None
