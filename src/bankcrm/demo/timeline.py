"""Days as int32 day numbers (days since 1970-01-01, Arrow's date32) and the demo's periods.

Every date inside the generator is a day number so numpy can compare and sort them; conversion to
`date` happens only at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

EPOCH = date(1970, 1, 1)
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
NEVER = np.int32(2**31 - 1)  # "no such day": sorts after every real day


def day_of(d: date) -> int:
    return (d - EPOCH).days


def date_of(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def weekday(days: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
    """Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
    return (days.astype(np.int64) + 3) % 7


def add_years(days: npt.NDArray[np.integer], years: npt.NDArray[np.integer]) -> I32:
    """Calendar arithmetic in years (29 Feb → 28 Feb), vectorised through datetime64.

    Works on (month, day of month): adding whole days into the year would slip a day whenever
    one of the two years is a leap year and the other is not.
    """
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    into = d - month.astype("datetime64[D]")  # days into the month
    target = month + years.astype(np.int64) * 12
    out = target.astype("datetime64[D]") + into
    # Only 29 Feb spills into March (in a common year): step back to 28 Feb.
    spill = out.astype("datetime64[M]") != target
    out = np.where(spill, out - np.timedelta64(1, "D"), out)
    return np.asarray(out.astype(np.int64), dtype=np.int32)


def month_start(days: npt.NDArray[np.integer]) -> I32:
    return (
        days.astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype(np.int64)
        .astype(np.int32)
    )


def day_in_month(days: npt.NDArray[np.integer]) -> I64:
    """1-based day of the month."""
    return (days.astype(np.int64) - month_start(days).astype(np.int64)) + 1


@dataclass(frozen=True)
class Period:
    """A calendar month of the simulation, clipped to the history or to the daily tail."""

    lo: int  # first day
    hi: int  # last day (inclusive)
    history: bool  # inside the initial drop (≤ end)
    month: int  # calendar month 1..12

    @property
    def days(self) -> int:
        return self.hi - self.lo + 1


@dataclass(frozen=True)
class Timeline:
    start: int  # first day of history
    end: int  # as_of of the initial drop
    horizon: int  # last simulated day (end + daily tail)
    periods: tuple[Period, ...]

    @property
    def history_periods(self) -> tuple[Period, ...]:
        return tuple(p for p in self.periods if p.history)

    @property
    def month_ends(self) -> I32:
        """The last day of each history month (the last one is `end`): AUM targets hold here."""
        return np.array([p.hi for p in self.history_periods], dtype=np.int32)

    def grid(self, step: str) -> I32:
        """Valuation days inside the simulation: "week" = Fridays, "month" = month ends."""
        days = np.arange(self.start, self.horizon + 1, dtype=np.int32)
        if step == "week":
            keep = weekday(days) == 4
        elif step == "month":
            nxt = days + 1
            keep = month_start(nxt) == nxt
        else:
            raise ValueError(step)
        return np.asarray(days[keep], dtype=np.int32)


def make_timeline(end: date, months: int, daily_tail: int) -> Timeline:
    """History = the `months` calendar months ending with end's month, clipped at `end`."""
    first = date(end.year, end.month, 1)
    y, m = divmod(first.year * 12 + first.month - 1 - (months - 1), 12)
    start = day_of(date(y, m + 1, 1))
    e, horizon = day_of(end), day_of(end) + daily_tail
    periods: list[Period] = []
    lo = start
    while lo <= horizon:
        d = date_of(lo)
        nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
        hi = min(day_of(nxt) - 1, horizon)
        if lo <= e < hi:  # the tail starts mid-month: split at `end`
            periods.append(Period(lo, e, True, d.month))
            lo = e + 1
        periods.append(Period(lo, hi, hi <= e, d.month))
        lo = hi + 1
    return Timeline(start, e, horizon, tuple(periods))


def birth_years(days: npt.NDArray[np.integer]) -> I64:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
