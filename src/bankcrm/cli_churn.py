"""`bankcrm churn evaluate`: vet the churn pipeline on any labelled customer table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bankcrm.cli import app, console, fail
from bankcrm.errors import BankCrmError

churn_app = typer.Typer(help="流失预警模型", no_args_is_help=True)
app.add_typer(churn_app, name="churn")


@churn_app.command("evaluate")
def churn_evaluate(
    data: Annotated[Path, typer.Option("--data", help="带标签的客户表（.csv 或 .parquet）")],
    target: Annotated[str, typer.Option("--target", help="标签列")],
    positive: Annotated[
        str | None, typer.Option("--positive", help="标签列中表示流失的取值（非 0/1 时必填）")
    ] = None,
    id_column: Annotated[str | None, typer.Option("--id", help="客户号列（不作特征）")] = None,
    drop: Annotated[str, typer.Option("--drop", help="不作特征的列，逗号分隔")] = "",
    folds: Annotated[int, typer.Option(min=2, max=20, help="交叉验证折数")] = 5,
    seed: Annotated[int, typer.Option(help="随机种子")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="指标另存为 JSON")] = None,
) -> None:
    """在任意带标签的客户表上训练并交叉验证流失模型，与默认 LGBMClassifier 同折对比。"""
    from bankcrm.churn import evaluate as ev

    dropped = [c.strip() for c in drop.split(",") if c.strip()]
    try:
        prepared = ev.prepare(
            ev.read_table(data), target, positive=positive, id_column=id_column, drop=dropped
        )
        with console.status(f"{folds} 折交叉验证中…"):
            result = ev.evaluate(prepared, folds=folds, seed=seed)
    except BankCrmError as exc:
        raise fail(exc.message) from None
    console.print(
        f"{data.name}：{result.rows:,} 行（流失 {result.positives:,}），特征 {result.features} 个"
        f"（类别型：{'、'.join(result.categorical) or '无'}）"
        + (f"；无标签的 {result.dropped_rows:,} 行未用" if result.dropped_rows else "")
    )
    table = Table(title=f"{folds} 折交叉验证（同一折划分，种子 {seed}）")
    for h in ("模型", "ROC-AUC", "PR-AUC", "Brier（越小越好）"):
        table.add_column(h, justify="left" if h == "模型" else "right")
    for label, s in (
        ("bankcrm 流失模型（校准）", result.model),
        ("默认 LGBMClassifier", result.baseline),
    ):
        table.add_row(label, f"{s.roc_auc:.4f}", f"{s.pr_auc:.4f}", f"{s.brier:.4f}")
    console.print(table)
    cal = Table(title="校准表（按预测概率十等分）")
    for h in ("分组", "行数", "平均预测", "实际流失率", "默认模型平均预测", "默认模型实际流失率"):
        cal.add_column(h, justify="right")
    for i, (a, b) in enumerate(
        zip(result.model.calibration, result.baseline.calibration, strict=False)
    ):
        cal.add_row(
            str(i + 1),
            f"{a['rows']:,}",
            f"{a['predicted']:.3f}",
            f"{a['observed']:.3f}",
            f"{b['predicted']:.3f}",
            f"{b['observed']:.3f}",
        )
    console.print(cal)
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1), "utf-8")
        console.print(f"已写出 {json_out}")
