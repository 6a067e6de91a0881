"""The policy's churn indicators, shown beside the score (issue 7, part 3): plain rules on the
customer's numbers, independent of the model, so staff see which warning signs hold.

- outflow_other_bank: 30 days' transfers out to other banks ≥ 5万, or ≥ 30% of 月日均;
- maturity_not_renewed: 定期 + 理财 at the date ≥ 1万 lower than at the previous month's end
  (maturities paid out and not renewed, or cashed early);
- falling_digital: 30 days' logins and digital events at most half of 3 months before (which
  had at least 4);
- no_login: no login for ≥ 30 days (a customer who never logged in is not flagged);
- complaint: **not available** — the lake has no complaint extract yet (a later issue brings
  service records); `NOTES` says so wherever indicators are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bankcrm.churn.reasons import wan

NOTES = ("投诉数据尚未接入：投诉指标暂不可用",)


@dataclass(frozen=True)
class IndicatorSpec:
    outflow_min_fen: int = 5_000_000  # 5万
    outflow_share_pct: int = 30
    term_drop_min_fen: int = 1_000_000  # 1万
    digital_share_pct: int = 50
    digital_min_before: int = 4
    login_days: int = 30


DEFAULT_INDICATORS = IndicatorSpec()


def indicators(
    x: np.ndarray, names: Sequence[str], spec: IndicatorSpec = DEFAULT_INDICATORS
) -> list[str]:
    """JSON text per row: [{code, text}] of the indicator rules that hold."""
    col = {n: x[:, i] for i, n in enumerate(names)}
    n = x.shape[0]
    items: list[list[str]] = [[] for _ in range(n)]

    def emit(code: str, mask: np.ndarray, text: Callable[[int], str]) -> None:
        for r in np.flatnonzero(mask).tolist():
            items[r].append(f'{{"code": "{code}", "text": "{text(r)}"}}')

    out, avg = col["outflow_other_bank_30d_fen"], np.nan_to_num(col["month_avg_fen"])
    fired = (out > 0) & (
        (out >= spec.outflow_min_fen) | (out * 100 >= spec.outflow_share_pct * avg)
    )
    emit("outflow_other_bank", fired, lambda r: f"近30天转出他行 {wan(float(out[r]))}万")
    term = col["term_change_1m_fen"]
    fired = np.nan_to_num(term) <= -spec.term_drop_min_fen
    emit(
        "maturity_not_renewed",
        fired,
        lambda r: f"定期/理财较上月末减少 {wan(float(-term[r]))}万，到期未续存",
    )
    now, change = col["digital_30d"], col["digital_change_3m"]
    before = now - change
    fired = ~np.isnan(before) & (np.nan_to_num(before) >= spec.digital_min_before)
    fired &= now * 100 <= spec.digital_share_pct * np.nan_to_num(before)
    emit(
        "falling_digital",
        fired,
        lambda r: f"近30天线上活动 {int(now[r])} 次，3个月前 {int(before[r])} 次",
    )
    login = col["login_days"]
    fired = np.nan_to_num(login, nan=-1) >= spec.login_days
    emit("no_login", fired, lambda r: f"近{int(login[r])}天无登录")
    return ["[" + ", ".join(row) + "]" for row in items]
