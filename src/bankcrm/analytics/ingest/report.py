"""Ingest reports: JSON and XLSX under lake/_reports/<as_of>/, and the console rendering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table as RichTable

from bankcrm.analytics.ingest.problems import RULES, IngestReport

if TYPE_CHECKING:
    from bankcrm.analytics.lake import Lake

STATUS_LABELS = {
    "landed": "已落地",
    "landed_with_rejects": "已落地（部分行被隔离）",
    "rejected": "已拒收：数据湖未改动",
}
_PROBLEM_HEADER = ["表", "文件", "行号", "列", "值", "规则", "原因"]


def write_reports(lake: Lake, report: IngestReport) -> tuple[Path, Path]:
    folder = lake.report_dir(report.as_of)
    folder.mkdir(parents=True, exist_ok=True)
    path_json = folder / f"{report.run_id}.json"
    path_json.write_text(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    path_xlsx = folder / f"{report.run_id}.xlsx"
    _write_xlsx(path_xlsx, report)
    return path_json, path_xlsx


def _write_xlsx(path: Path, report: IngestReport) -> None:
    import xlsxwriter  # 0.3 s to import: paid only when a report is written

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("概要")
    ws.write_row(0, 0, ["批次", report.drop], bold)
    ws.write_row(1, 0, ["数据日期", report.as_of.isoformat()])
    ws.write_row(2, 0, ["结果", STATUS_LABELS.get(report.status, report.status)])
    ws.write_row(3, 0, ["错误数", report.errors])
    ws.write_row(5, 0, ["表", "文件", "读入行数", "拒收行数", "落地行数", "未定义列"], bold)
    for i, t in enumerate(report.tables.values(), start=6):
        ws.write_row(
            i,
            0,
            [
                t.table,
                t.file or "",
                t.rows_read,
                t.rows_rejected,
                t.rows_landed,
                "、".join(t.unknown_columns),
            ],
        )
    ws.set_column(0, 1, 22)
    counts = wb.add_worksheet("规则计数")
    counts.write_row(0, 0, ["表", "规则", "说明", "次数"], bold)
    for i, ((table, rule), n) in enumerate(sorted(report.counts.items()), start=1):
        counts.write_row(i, 0, [table, rule, RULES[rule], n])
    sheet = wb.add_worksheet("问题明细")
    sheet.write_row(0, 0, _PROBLEM_HEADER, bold)
    for i, p in enumerate(report.sorted_problems(), start=1):
        sheet.write_row(
            i, 0, [p.table, p.file, p.line or "", p.column or "", p.value or "", p.rule, p.reason]
        )
    sheet.set_column(6, 6, 60)
    wb.close()


def render(report: IngestReport, console: Console, *, first: int = 20) -> None:
    """A readable summary: rows per table, the first problems, and counts per rule."""
    tables = RichTable(
        title=f"批次 {report.drop} · 数据日期 {report.as_of} · {STATUS_LABELS.get(report.status, report.status)}"
    )
    for h in ("表", "文件", "读入", "拒收", "落地"):
        tables.add_column(h, justify="right" if h in ("读入", "拒收", "落地") else "left")
    for t in report.tables.values():
        tables.add_row(
            t.table, t.file or "", f"{t.rows_read:,}", f"{t.rows_rejected:,}", f"{t.rows_landed:,}"
        )
    console.print(tables)
    problems = report.sorted_problems()
    if problems:
        shown = RichTable(
            title=f"问题明细（前 {min(first, len(problems))} 条，共 {sum(report.counts.values()):,} 条）"
        )
        for h in _PROBLEM_HEADER:
            shown.add_column(h, overflow="fold")
        for p in problems[:first]:
            shown.add_row(
                p.table,
                p.file,
                str(p.line or ""),
                p.column or "",
                (p.value or "")[:40],
                p.rule,
                p.reason,
            )
        console.print(shown)
        per_rule = RichTable(title="按规则计数")
        for h in ("表", "规则", "说明", "次数"):
            per_rule.add_column(h)
        for (table, rule), n in sorted(report.counts.items()):
            per_rule.add_row(table, rule, RULES[rule], f"{n:,}")
        console.print(per_rule)
