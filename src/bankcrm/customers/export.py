"""Customer list exports (CSV, Excel): the list the user sees, in their scope, masked unless
they hold export_unmasked and ask for it; a watermark of who exported when heads every file;
one audit row per export with the row count, filters and whether it was masked (DESIGN §7)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy.orm import Session

from bankcrm.customers import repository as repo
from bankcrm.errors import Forbidden, InvalidInput
from bankcrm.kit.money import fen_to_yuan
from bankcrm.security import audit
from bankcrm.security.actor import Actor
from bankcrm.security.audit import Action
from bankcrm.security.classification import mask_value
from bankcrm.security.roles import Permission

EXPORT_LIMIT = 200_000
BATCH = 5_000
COLUMNS = (
    ("customer_id", "客户号"),
    ("name", "姓名"),
    ("phone", "手机号码"),
    ("org_name", "归属机构"),
    ("tier", "层级"),
    ("tier_since", "层级起始"),
    ("aum", "AUM时点（元）"),
    ("aum_month_avg", "AUM月日均（元）"),
    ("owner_name", "管户人"),
)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def watermark(actor: Actor, at: datetime) -> str:
    local = at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    return f"导出人：{actor.username} {actor.display_name} · {local}（北京时间）· 内部资料 注意保密"


def export_customers(
    session: Session, actor: Actor, f: repo.Filters, *, fmt: str, unmasked: bool = False
) -> tuple[bytes, int]:
    if not actor.can(Permission.export):
        raise Forbidden("无权导出")
    if unmasked and not actor.can(Permission.export_unmasked):
        raise Forbidden("无权导出明文")
    if fmt not in MEDIA:
        raise InvalidInput("导出格式只能是 csv 或 xlsx", loc=("query", "format"))
    rows: list[list[object]] = []
    after: str | None = None
    while len(rows) < EXPORT_LIMIT:
        page = repo.page(session, actor, f, sort="customer_id", after=after, limit=BATCH)
        for r in page:
            name = r.name if unmasked else mask_value("customers", "name", r.name)
            phone = r.phone if unmasked else mask_value("customers", "phone", r.phone)
            rows.append(
                [
                    r.customer_id,
                    name,
                    phone,
                    r.org_name,
                    r.tier,
                    r.tier_since.isoformat() if r.tier_since else None,
                    None if r.aum_fen is None else str(fen_to_yuan(r.aum_fen)),
                    None if r.aum_month_avg_fen is None else str(fen_to_yuan(r.aum_month_avg_fen)),
                    r.owner_name,
                ]
            )
        if len(page) < BATCH:
            break
        after = page[-1].customer_id
    rows = rows[:EXPORT_LIMIT]
    now = datetime.now(UTC)
    mark = watermark(actor, now)
    data = _xlsx(rows, mark) if fmt == "xlsx" else _csv(rows, mark)
    audit.record(
        session,
        actor,
        Action.export,
        rows=len(rows),
        target=f"customers.{fmt}",
        detail={
            "masked": not unmasked,
            "filters": {k: str(v) for k, v in vars(f).items() if v},
        },
    )
    return data, len(rows)


def _csv(rows: list[list[object]], mark: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([mark])
    w.writerow([h for _k, h in COLUMNS])
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 as such


def _xlsx(rows: list[list[object]], mark: str) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet("客户清单")
    sheet.set_header(f"&C{mark}")
    sheet.write_row(0, 0, [mark])
    sheet.write_row(1, 0, [h for _k, h in COLUMNS])
    for i, r in enumerate(rows, start=2):
        sheet.write_row(i, 0, r)
    book.close()
    return buf.getvalue()
