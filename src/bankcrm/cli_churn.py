"""`bankcrm churn evaluate`: vet the churn pipeline on any labelled customer table."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bankcrm.analytics.lake import Lake
from bankcrm.cli import app, console, current_lake, fail
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


@churn_app.command("train")
def churn_train(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="训练截至日期（默认数据湖最新的特征日期）")
    ] = None,
    calibration_months: Annotated[int, typer.Option(min=1, help="校准窗口月数")] = 1,
    test_months: Annotated[int, typer.Option(min=1, help="测试窗口月数")] = 1,
    seed: Annotated[int, typer.Option(help="随机种子")] = 0,
) -> None:
    """按月训练流失模型（早期月份训练、后一段校准、最近月份测试），打印并保存模型卡。"""
    from bankcrm.analytics.nightly import mart_dates
    from bankcrm.churn import model as churn_model
    from bankcrm.churn.label import LabelSpec
    from bankcrm.config import get_settings

    lake = current_lake()
    try:
        day = date.fromisoformat(as_of) if as_of else max(mart_dates(lake, "features"))
    except ValueError:
        raise fail("--as-of 应为 YYYY-MM-DD，且数据湖中须已有夜间批处理的特征") from None
    try:
        with console.status(f"以 {day} 及以前的历史训练流失模型…"):
            trained = churn_model.train(
                lake,
                day,
                spec=LabelSpec(),
                rule_set=get_settings().maintenance_rule_set,
                calibration_months=calibration_months,
                test_months=test_months,
                seed=seed,
            )
    except BankCrmError as exc:
        raise fail(exc.message) from None
    print_card(trained.card)
    console.print(f"模型已保存：{lake.root / churn_model.MODELS / trained.version}")


def print_card(card: dict[str, Any]) -> None:
    """The model card as staff read it (中文)."""
    w = card["windows"]
    table = Table(title=f"流失模型 {card['version']}（训练截至 {card['trained_as_of']}）")
    for h in ("窗口", "月末", "行数", "流失"):
        table.add_column(h, justify="right" if h in ("行数", "流失") else "left")
    for key, label in (("train", "训练"), ("calibration", "校准"), ("test", "测试")):
        months = f"{w[key][0]} … {w[key][-1]}" if len(w[key]) > 1 else w[key][0]
        table.add_row(label, months, f"{card['rows'][key]:,}", f"{card['positives'][key]:,}")
    console.print(table)
    t = card["test"]
    scores = Table(title="测试窗口（样本外）")
    for h in ("模型", "ROC-AUC", "PR-AUC", "Brier"):
        scores.add_column(h, justify="left" if h == "模型" else "right")
    scores.add_row(
        "流失模型（校准后）", f"{t['roc_auc']:.4f}", f"{t['pr_auc']:.4f}", f"{t['brier']:.4f}"
    )
    for rule, auc in card["baseline"].items():
        scores.add_row(f"单规则基线：{BASELINE_LABELS.get(rule, rule)}", f"{auc:.4f}", "—", "—")
    console.print(scores)
    cal = Table(title="校准表（测试窗口，按预测概率十等分）")
    for h in ("分组", "行数", "平均预测", "实际流失率"):
        cal.add_column(h, justify="right")
    for i, row in enumerate(t["calibration"], 1):
        cal.add_row(str(i), f"{row['rows']:,}", f"{row['predicted']:.3f}", f"{row['observed']:.3f}")
    console.print(cal)
    top = Table(title="主要特征（测试窗口平均 |贡献|）")
    top.add_column("特征")
    top.add_column("平均 |贡献|", justify="right")
    for f in card["top_features"]:
        top.add_row(f["feature"], f"{f['mean_abs']:.4f}")
    console.print(top)


BASELINE_LABELS = {"drop_1m": "月日均较上月降幅", "drop_3m": "月日均较3个月前降幅"}


@churn_app.command("score")
def churn_score(
    as_of: Annotated[str, typer.Option("--as-of", help="评分日期（须已运行夜间批处理）")],
) -> None:
    """单独评分：用该日及以前训练的最新模型为该日全部客户评分，写入数据湖并发布到运营库。"""
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise fail(f"--as-of 日期格式应为 YYYY-MM-DD：{as_of!r}") from None
    score_and_publish(current_lake(), day)


def score_and_publish(lake: Lake, day: date) -> int:
    """The churn_scores mart of `day` and its publish (replacing all stored scores)."""
    import pyarrow.compute as pc

    from bankcrm.analytics.marts import churn as mart
    from bankcrm.churn import service
    from bankcrm.db.session import unit_of_work

    try:
        with console.status(f"{day} · 流失评分…"):
            rows = mart.score_date(lake, day)
    except ValueError as exc:
        raise fail(str(exc), code=1) from None
    if rows is None:
        console.print(f"数据湖中没有 {day} 及以前训练的流失模型：先运行 bankcrm churn train")
        return 0
    with unit_of_work() as session:
        n = service.publish(session, rows, day)
    bands = pc.value_counts(rows["band"]).to_pylist()
    counts = {b["values"]: b["counts"] for b in bands}
    console.print(
        f"{day} 流失评分：{n:,} 位客户（高 {counts.get('high', 0):,}，"
        f"中 {counts.get('medium', 0):,}，低 {counts.get('low', 0):,}），已发布"
    )
    return n


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _pp(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}"


@churn_app.command("effect")
def churn_effect(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="截至日期（结果在此日前确定的工单；默认全部）")
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="机构号（含下级；默认全行）")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="结果另存为 JSON")] = None,
) -> None:
    """挽留效果：挽留组与对照组的流失率、差值（对照 − 挽留）及 95% 置信区间，按网点与合计。"""
    from datetime import date

    from bankcrm.churn import effect
    from bankcrm.db.session import unit_of_work

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise fail(f"--as-of 日期格式应为 YYYY-MM-DD：{as_of!r}") from None
    try:
        with unit_of_work() as session:
            out = effect.tabulate(session, within=org, as_of=day)
    except BankCrmError as exc:
        raise fail(exc.message) from None
    table = Table(title=f"挽留效果 · {out.overall.org_name}（流失/案件 流失率）")
    for h in ("网点", "挽留组", "对照组", "效果", "95%区间", "提示"):
        table.add_column(h, justify="left" if h in ("网点", "提示") else "right")
    for r in [*out.outlets, out.overall]:
        table.add_row(
            "合计" if r is out.overall else r.org_name,
            f"{r.treated_lost:,}/{r.treated:,} {_pct(r.treated_rate)}",
            f"{r.control_lost:,}/{r.control:,} {_pct(r.control_rate)}",
            _pp(r.uplift),
            "—" if r.ci_low is None else f"{_pp(r.ci_low)}～{_pp(r.ci_high)}",
            "样本不足" if r.too_small else "",
        )
    console.print(table)
    if not out.overall.treated and not out.overall.control:
        console.print("尚无已确定结果（观察期结束）的挽留工单")
    console.print(
        f"效果 = 对照组流失率 − 挽留组流失率（百分点），{out.confidence:.0%} 区间：{out.method}；"
        f"样本不足：任一组少于 {out.min_group} 件，结论不可靠"
    )
    if json_out is not None:
        json_out.write_text(out.model_dump_json(indent=1), "utf-8")
        console.print(f"已写出 {json_out}")


def demo_churn(lake: Lake, last: date) -> None:
    """The demo's churn model: trained on its history up to `last`, that date scored and its
    retention cases opened (a history too short for the out-of-time windows is said and
    skipped); the later nightlies score with it."""
    import time

    from bankcrm.churn import model as churn_model
    from bankcrm.cli_batch import retention_step
    from bankcrm.config import get_settings

    t0 = time.perf_counter()
    try:
        with console.status(f"以 {last} 及以前的演示历史训练流失模型…"):
            trained = churn_model.train(lake, last, rule_set=get_settings().maintenance_rule_set)
    except BankCrmError as exc:
        console.print(f"[yellow]流失模型未训练：{exc.message}[/]")
        return
    t = trained.card["test"]
    console.print(
        f"流失模型 {trained.version}：测试窗口 ROC-AUC {t['roc_auc']:.3f}，PR-AUC "
        f"{t['pr_auc']:.3f}（bankcrm churn train 可查看模型卡）"
    )
    score_and_publish(lake, last)
    retention_step(last)
    console.print(f"流失模型训练、评分与挽留工单用时 {time.perf_counter() - t0:.1f}s")
