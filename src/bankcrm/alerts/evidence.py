"""What fired an alert, in the words staff read (amounts in 万元, exact from fen)."""

from __future__ import annotations

from collections.abc import Callable

from bankcrm.alerts.models import Alert
from bankcrm.kit import masking
from bankcrm.kit.money import fen_to_wan

ACCOUNT_KINDS = ("maturity", "drawdown")


def wan(fen: int | None) -> str:
    return "—" if fen is None else f"{fen_to_wan(fen)}万"


def pct(bp: int | None) -> str:
    return "—" if bp is None else f"{bp // 100}.{bp % 100:02d}%"


def shown_item(a: Alert) -> str | None:
    """Account numbers masked like a card (first 6 + last 4); loan and txn ids as they are."""
    if a.item_id is not None and a.kind in ACCOUNT_KINDS:
        return masking.card(a.item_id)
    return a.item_id


def _day(a: Alert) -> str:
    return a.ref_date.isoformat() if a.ref_date else "—"


def _maturity(a: Alert) -> str:
    return f"{a.detail or '产品'} {_day(a)} 到期（还有 {a.days} 天），余额 {wan(a.amount_fen)}"


def _outflow(a: Alert) -> str:
    biggest = int(a.detail) if a.detail and a.detail.isdigit() else None
    return (
        f"{_day(a)} 转出他行合计 {wan(a.amount_fen)}，最大单笔 {wan(biggest)}；"
        f"本月AUM月日均 {wan(a.reference_fen)}，占 {pct(a.ratio_bp)}"
    )


def _inflow(a: Alert) -> str:
    return f"{_day(a)} 他行（{a.detail or '—'}）转入 {wan(a.amount_fen)}"


def _drop(a: Alert) -> str:
    month = a.ref_date.strftime("%Y年%m月") if a.ref_date else "—"
    return (
        f"{month} AUM月日均 {wan(a.amount_fen)}，上月 {wan(a.reference_fen)}，"
        f"下降 {pct(a.ratio_bp)}"
    )


def _dormancy(a: Alert) -> str:
    last = f"最近一次主动交易 {_day(a)}" if a.ref_date else "开户以来无主动交易"
    return f"{a.days} 天无主动交易（{last}），AUM {wan(a.amount_fen)}"


def _tier(a: Alert) -> str:
    return f"{a.item_id} 层级 {a.detail}，依据值 {wan(a.amount_fen)}（本层下限 {wan(a.reference_fen)}）"


def _overdue(a: Alert) -> str:
    return (
        f"贷款 {a.item_id} 自 {_day(a)} 起逾期 {a.days} 天，逾期金额 {wan(a.amount_fen)}，"
        f"贷款余额 {wan(a.reference_fen)}"
    )


def _repayment(a: Alert) -> str:
    return f"贷款 {a.item_id} 还款日 {_day(a)}（还有 {a.days} 天），贷款余额 {wan(a.reference_fen)}"


def _drawdown(a: Alert) -> str:
    side = "下跌" if a.detail == "stop_loss" else "上涨"
    line = "止损" if a.detail == "stop_loss" else "止盈"
    return (
        f"{line}：市值 {wan(a.amount_fen)}，较 {_day(a)} 首次记录的 {wan(a.reference_fen)} "
        f"{side} {pct(a.ratio_bp)}"
    )


_EVIDENCE: dict[str, Callable[[Alert], str]] = {
    "maturity": _maturity,
    "large_outflow": _outflow,
    "large_inflow": _inflow,
    "aum_drop": _drop,
    "dormancy": _dormancy,
    "tier_drop": _tier,
    "loan_overdue": _overdue,
    "repayment_due": _repayment,
    "drawdown": _drawdown,
}


def evidence(a: Alert) -> str:
    render = _EVIDENCE.get(a.kind)
    return render(a) if render else ""
