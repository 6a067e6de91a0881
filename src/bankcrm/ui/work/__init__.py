"""Maintenance workbench (issue 6, 简体中文): 今日待办 and the task calendar (/tasks), 维护达标
(/compliance), 管户移交 (/handovers), and the 维护记录 section of the customer 360 page.

Like the other pages these call the services through `act` (live session, one transaction,
BankCrmError shown as a notification): the same scope, masking and audit as the API.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from bankcrm.security import service as security
from bankcrm.security.roles import Permission
from bankcrm.ui.work.alerts import alerts_page
from bankcrm.ui.work.common import Act, Enter
from bankcrm.ui.work.compliance import compliance_page
from bankcrm.ui.work.customer import customer_section
from bankcrm.ui.work.handovers import handovers_page
from bankcrm.ui.work.retention import retention_page
from bankcrm.ui.work.tasks import tasks_page

__all__ = ["customer_section", "install"]


def install(app: FastAPI, *, enter: Enter, act: Act) -> None:
    """Register /tasks, /compliance and /handovers (`enter` and `act` from `pages.install`)."""
    del app  # the pages register on NiceGUI's router, which `ui.run_with` mounts on `app`

    @ui.page("/tasks")
    def tasks(request: Request) -> RedirectResponse | None:
        auth = enter(request, "任务", Permission.list_customers, "无权查看维护任务")
        if not isinstance(auth, security.Authenticated):
            return auth
        tasks_page(request, act, auth.actor)
        return None

    @ui.page("/alerts")
    def alerts(request: Request) -> RedirectResponse | None:
        auth = enter(request, "预警", Permission.list_customers, "无权查看预警")
        if not isinstance(auth, security.Authenticated):
            return auth
        alerts_page(request, act, auth.actor)
        return None

    @ui.page("/compliance")
    def compliance_view(request: Request) -> RedirectResponse | None:
        auth = enter(request, "维护达标", Permission.view_compliance, "无权查看维护达标情况")
        if not isinstance(auth, security.Authenticated):
            return auth
        compliance_page(request, act, auth.actor)
        return None

    @ui.page("/handovers")
    def handovers(request: Request) -> RedirectResponse | None:
        auth = enter(request, "管户移交", Permission.list_customers, "无权查看管户移交")
        if not isinstance(auth, security.Authenticated):
            return auth
        handovers_page(request, act, auth.actor)
        return None

    @ui.page("/retention")
    def retention(request: Request) -> RedirectResponse | None:
        auth = enter(request, "挽留", Permission.list_customers, "无权查看挽留工单")
        if not isinstance(auth, security.Authenticated):
            return auth
        retention_page(request, act, auth.actor)
        return None
