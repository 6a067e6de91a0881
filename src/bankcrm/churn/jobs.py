"""The nightly's retention step: outcomes of the cases whose window ended, then the night's new
cases (after the churn scores are published and owners assigned)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from bankcrm.churn import case_repository as repo
from bankcrm.churn import cases
from bankcrm.errors import NotFound


@dataclass
class RetentionRun:
    as_of: date
    opened: int = 0  # treated cases (owner work)
    control: int = 0  # control twins (no work)
    outcomes: dict[str, int] = field(default_factory=lambda: {"retained": 0, "lost": 0})
    note: str = ""  # why nothing was opened, when nothing could be

    @property
    def outcomes_set(self) -> int:
        return sum(self.outcomes.values())

    def line(self) -> str:
        """One summary line (中文) for the nightly's console."""
        text = (
            f"挽留工单：新开 {self.opened:,}，对照组 {self.control:,}；"
            f"结果 已挽留 {self.outcomes['retained']:,}、已流失 {self.outcomes['lost']:,}"
        )
        return text + (f"（{self.note}）" if self.note else "")


def run(session: Session, as_of: date, options: cases.Options | None = None) -> RetentionRun:
    """Outcomes first (a customer whose case just ended may get a new one tonight), then the
    opening; a no-op with a note when no churn scores are published yet."""
    out = RetentionRun(as_of)
    out.outcomes = cases.set_outcomes(session, as_of)
    if not repo.has_scores(session):
        out.note = "尚无流失评分，未开新工单"
        return out
    try:
        opening = cases.open_cases(session, as_of, options or cases.Options())
    except NotFound as exc:  # no maintenance policy in force: nobody is maintained
        out.note = f"{exc.message}，未开新工单"
        return out
    out.opened, out.control = opening.treated, opening.control
    return out
