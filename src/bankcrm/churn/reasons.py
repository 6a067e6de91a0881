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
import pyarrow as pa
import pyarrow.compute as pc

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


def _is_ratio(feature: str) -> bool:
    return feature.endswith("_ratio") or feature.startswith("drop_")


def _phrase_key(feature: str, v: np.ndarray) -> np.ndarray:
    """A key per value such that `phrase(feature, v)` depends on the key alone: amounts by sign
    and 万 to one decimal, ratios by sign and whole percent, counts and days by value."""
    if feature.endswith("_fen"):
        tenths = (np.abs(v).astype(np.int64) + 50_000) // 100_000
        return np.asarray(np.sign(v).astype(np.int64) * (tenths + 1))
    if _is_ratio(feature):
        whole = np.floor(np.abs(v) * 100 + 0.5).astype(np.int64)
        return np.asarray(np.where(v >= 0, whole + 1, -(whole + 1)))
    return v


def _phrases(feature: str, v: np.ndarray) -> pa.Array:
    """`phrase(feature, x)` for every x of `v`, rendered once per distinct phrase key."""
    out = np.empty(len(v), dtype=object)
    missing = np.isnan(v)
    out[missing] = phrase(feature, math.nan)
    present = np.flatnonzero(~missing)
    if len(present):
        _, first, inverse = np.unique(
            _phrase_key(feature, v[present]), return_index=True, return_inverse=True
        )
        texts = np.array([phrase(feature, float(v[present][i])) for i in first], dtype=object)
        out[present] = texts[inverse.reshape(-1)]
    return pa.array(out, pa.string())


def _decimals4(v: np.ndarray) -> pa.Array:
    """`f"{v:.4f}"` for an array, in integers (ten-thousandths, half away from zero)."""
    q = np.floor(np.abs(v) * 10_000 + 0.5).astype(np.int64)
    sign = np.where((v < 0) & (q > 0), "-", "")
    whole = pc.cast(pa.array(q // 10_000), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(q % 10_000), pa.string()), 4, "0")
    return pc.binary_join_element_wise(pa.array(sign, pa.string()), whole, ".", frac, "")


def _values(feature: str, v: np.ndarray) -> pa.Array:
    """The JSON `value`: null when missing, 4 decimals for ratios, else the integer."""
    missing = np.isnan(v)
    clean = np.where(missing, 0.0, v)
    if _is_ratio(feature):
        text = _decimals4(clean)
    else:
        text = pc.cast(pa.array(clean.astype(np.int64)), pa.string())
    return pc.if_else(pa.array(missing), "null", text)


def _items(feats: np.ndarray, x: np.ndarray, w: np.ndarray, names: Sequence[str]) -> pa.Array:
    """One JSON object per row of `x`, explained by its feature index in `feats` with
    contribution `w`: rows grouped by feature (a stable sort), each group rendered at once, then
    put back in row order with one take."""
    order = np.argsort(feats, kind="stable")
    groups = np.flatnonzero(np.diff(feats[order])) + 1
    texts, values = [], []
    for part in np.split(order, groups) if len(order) else []:
        feat = int(feats[part[0]])
        v = x[part, feat]
        texts.append(_phrases(names[feat], v))
        values.append(_values(names[feat], v))
    back = pa.array(np.argsort(order, kind="stable"))
    text = pa.concat_arrays(texts).take(back) if texts else pa.array([], pa.string())
    value = pa.concat_arrays(values).take(back) if values else pa.array([], pa.string())
    code = pa.array(np.asarray(names, dtype=object)[feats], pa.string())
    return pc.binary_join_element_wise(
        '{"code": "', code, '", "text": "', text, '", "value": ', value,
        ', "contribution": ', _decimals4(w), "}", "",
    )  # fmt: skip


def top_reasons(contrib: np.ndarray, x: np.ndarray, names: Sequence[str], top: int = 3) -> pa.Array:
    """JSON text per row: [{code, text, value, contribution}] of the features that push the
    risk up most (contrib: n × (features + 1), the bias last; x: the model matrix). Vectorised
    per rank: Arrow string kernels assemble the JSON, each feature's phrases are rendered once
    per distinct phrase (1M customers: ≈ 17 s rendered one by one)."""
    n, f = x.shape
    c = contrib[:, :f]
    k = min(top, f)
    idx = np.argsort(-c, axis=1, kind="stable")[:, :k]
    vals = np.take_along_axis(c, idx, axis=1)
    ranks = []
    for j in range(k):
        item = _items(idx[:, j], x, vals[:, j], names)
        ranks.append(pc.if_else(pa.array(vals[:, j] > 0), item, pa.nulls(n, pa.string())))
    inner = (
        pc.binary_join_element_wise(*ranks, ", ", null_handling="skip")
        if ranks
        else pa.array([""] * n, pa.string())
    )
    return pc.binary_join_element_wise("[", pc.fill_null(inner, ""), "]", "")
