"""Per-customer reasons from the model's own contributions (LightGBM `pred_contrib`), rendered as
Chinese phrases with the customer's numbers: "近30天转出他行 38.2万", "月日均较3个月前下降 62%",
"近45天无登录".

Only features that push the risk up (contribution > 0) are reasons, the largest first, at most
`top` of them. Amounts are 万 with one decimal, rounded half up from the exact fen (integer
arithmetic; the model matrix carries fen as float64, exact below 2^53 fen); ratios are whole
percent. Vectorised: one argsort over the contribution matrix, then each feature's phrases for the
rows it explains.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

CHANNEL_NAMES = {
    "counter": "柜面",
    "atm": "ATM",
    "mobile": "手机银行",
    "online": "网银",
    "pos": "POS",
    "auto": "自动",
    "other": "其他渠道",
}


def wan(fen: float) -> str:
    """'38.2' from 38_249_999 fen: 万元 with one decimal, half up, in integers."""
    tenths = (abs(int(fen)) + 50_000) // 100_000
    return f"{'-' if fen < 0 and tenths else ''}{tenths // 10}.{tenths % 10}"


def pct(ratio: float) -> int:
    return math.floor(abs(ratio) * 100 + 0.5)


def _change(what: str, unit: Callable[[float], str]) -> Callable[[float], str]:
    def render(v: float) -> str:
        if v == 0:
            return f"{what}无变化"
        return f"{what}{'减少' if v < 0 else '增加'} {unit(v)}"

    return render


def _drop(what: str) -> Callable[[float], str]:
    def render(v: float) -> str:
        return f"{what}{'下降' if v >= 0 else '上升'} {pct(v)}%"

    return render


def _amount(what: str, zero: str | None = None) -> Callable[[float], str]:
    return lambda v: zero if zero is not None and v == 0 else f"{what} {wan(v)}万"


def _count(what: str, unit: str, zero: str | None = None) -> Callable[[float], str]:
    return lambda v: zero if zero is not None and v == 0 else f"{what} {int(v)} {unit}"


def _login(v: float) -> str:
    return f"近{int(v)}天无登录" if v >= 30 else f"{int(v)} 天前登录过"


PHRASES: dict[str, Callable[[float], str]] = {
    "age": _count("年龄", "岁"),
    "tenure_months": _count("开户", "个月"),
    "custody_fen": _amount("三方存管"),
    "aum_change_1m_fen": _change("月日均较上月", lambda v: f"{wan(abs(v))}万"),
    "aum_change_3m_fen": _change("月日均较3个月前", lambda v: f"{wan(abs(v))}万"),
    "aum_change_6m_fen": _change("月日均较6个月前", lambda v: f"{wan(abs(v))}万"),
    "inflow_other_bank_30d_fen": _amount("近30天他行转入", "近30天无他行转入"),
    "outflow_other_bank_30d_fen": _amount("近30天转出他行", "近30天无转出他行"),
    "salary_30d_fen": _amount("近30天代发工资", "近30天无代发工资"),
    "credit_card_spend_12m_fen": _amount("近12个月信用卡消费", "近12个月无信用卡消费"),
    "txn_30d": _count("近30天交易", "笔", "近30天无交易"),
    **{f"txn_30d_{c}": _count(f"近30天{n}交易", "笔") for c, n in CHANNEL_NAMES.items()},
    "digital_30d": _count("近30天线上活动", "次", "近30天无线上活动"),
    "product_count": _count("持有产品", "个"),
    "maturing_30d_count": _count("30天内到期", "笔"),
    "maturing_30d_fen": _amount("30天内到期"),
    "loan_balance_fen": _amount("贷款余额"),
    "card_level_rank": _count("卡等级", "级"),
    "recency_days": lambda v: f"最近一笔交易在 {int(v)} 天前",
    "dormancy_days": lambda v: f"{int(v)} 天无主动交易",
    "month_avg_fen": _amount("月日均"),
    "aum_fen": _amount("时点资产"),
    "drop_1m": _drop("月日均较上月"),
    "drop_3m": _drop("月日均较3个月前"),
    "drop_6m": _drop("月日均较6个月前"),
    "outflow_ratio": lambda v: f"近30天转出他行占月日均 {pct(v)}%",
    "inflow_ratio": lambda v: f"近30天他行转入占月日均 {pct(v)}%",
    "term_change_1m_fen": _change("定期/理财较上月末", lambda v: f"{wan(abs(v))}万"),
    "digital_change_3m": _change("线上活动较3个月前", lambda v: f"{int(abs(v))} 次"),
    "txn_change_3m": _change("交易笔数较3个月前", lambda v: f"{int(abs(v))} 笔"),
    "salary_change_3m_fen": _change("代发工资较3个月前", lambda v: f"{wan(abs(v))}万"),
    "login_days": _login,
}
MISSING_PHRASES = {
    "login_days": "无登录记录",
    "drop_1m": "无上月月日均",
    "drop_3m": "无3个月前月日均",
    "drop_6m": "无6个月前月日均",
    "aum_change_1m_fen": "无上月月日均",
    "aum_change_3m_fen": "无3个月前月日均",
    "aum_change_6m_fen": "无6个月前月日均",
}


def phrase(feature: str, value: float) -> str:
    if math.isnan(value):
        return MISSING_PHRASES.get(feature, f"{feature} 无数据")
    render = PHRASES.get(feature)
    return render(value) if render else f"{feature} {value:g}"


def _value_json(feature: str, v: float) -> str:
    if math.isnan(v):
        return "null"
    if feature.endswith(("_ratio",)) or feature.startswith("drop_"):
        return f"{v:.4f}"
    return str(int(v))


def top_reasons(
    contrib: np.ndarray, x: np.ndarray, names: Sequence[str], top: int = 3
) -> list[str]:
    """JSON text per row: [{code, text, value, contribution}] of the features that push the
    risk up most (contrib: n × (features + 1), the bias last; x: the model matrix)."""
    n, f = x.shape
    c = contrib[:, :f]
    k = min(top, f)
    idx = np.argsort(-c, axis=1, kind="stable")[:, :k]
    vals = np.take_along_axis(c, idx, axis=1)
    items: list[list[str]] = [[] for _ in range(n)]
    for j in range(k):
        rows_j = np.flatnonzero(vals[:, j] > 0)
        feats = idx[rows_j, j]
        for feat in np.unique(feats):
            name = names[feat]
            sel = rows_j[feats == feat]
            for r, v, w in zip(
                sel.tolist(), x[sel, feat].tolist(), c[sel, feat].tolist(), strict=True
            ):
                items[r].append(
                    f'{{"code": "{name}", "text": "{phrase(name, v)}", '
                    f'"value": {_value_json(name, v)}, "contribution": {w:.4f}}}'
                )
    return ["[" + ", ".join(row) + "]" for row in items]
