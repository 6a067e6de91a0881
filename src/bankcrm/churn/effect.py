"""Retention effect (issue 7 part 5): churn rate of the treated cases against their control
twins, per outlet and overall, with a 95% confidence interval for the difference.

uplift = control churn rate − treated churn rate (positive: the cases kept customers).

The interval is Newcombe's hybrid score interval (Newcombe 1998, method 10): the Wilson score
intervals of the two rates, combined. Chosen over the Wald interval because the control group is
small by design (10%), so an outlet's control often has a few dozen customers and rates near 0:
there Wald's coverage collapses (and it is a zero-width interval when a group has no churners),
while Newcombe's stays close to 95%, stays within [−1, 1] and needs only the normal quantile
(no scipy: the standard library's NormalDist). On large groups the two agree.

A group too small to say anything (fewer than `MIN_GROUP` cases with an outcome on either side)
is flagged `too_small`; its figures are still shown, never hidden.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

from sqlalchemy.orm import Session

from bankcrm.churn import case_repository as repo
from bankcrm.churn import case_schemas as s
from bankcrm.errors import Forbidden, NotFound
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission

CONFIDENCE = 0.95
MIN_GROUP = 30  # cases with an outcome, on each side, before an outlet's figures mean much
METHOD = "Newcombe 混合得分区间（Wilson）"


def wilson(lost: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a proportion `lost` / `n` (n > 0)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = lost / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denominator = 1 + z * z / n
    low = 0.0 if lost == 0 else (centre - spread) / denominator  # exact at the edges
    high = 1.0 if lost == n else (centre + spread) / denominator
    return low, high


def newcombe(
    control_lost: int,
    control_n: int,
    treated_lost: int,
    treated_n: int,
    confidence: float = CONFIDENCE,
) -> tuple[float, float, float]:
    """(difference, low, high) for control rate − treated rate (both groups non-empty)."""
    p1, p2 = control_lost / control_n, treated_lost / treated_n
    l1, u1 = wilson(control_lost, control_n, confidence)
    l2, u2 = wilson(treated_lost, treated_n, confidence)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


@dataclass(frozen=True)
class Counts:
    """Cases with an outcome in one unit: how many, and how many were lost, per group."""

    treated: int = 0
    treated_lost: int = 0
    control: int = 0
    control_lost: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.treated + other.treated,
            self.treated_lost + other.treated_lost,
            self.control + other.control,
            self.control_lost + other.control_lost,
        )


@dataclass(frozen=True)
class Effect:
    counts: Counts
    treated_rate: float | None
    control_rate: float | None
    uplift: float | None
    ci_low: float | None
    ci_high: float | None
    too_small: bool


def measure(c: Counts, confidence: float = CONFIDENCE) -> Effect:
    """The rates, the uplift and its interval (None where a group is empty)."""
    t_rate = c.treated_lost / c.treated if c.treated else None
    c_rate = c.control_lost / c.control if c.control else None
    uplift = low = high = None
    if c.treated and c.control:
        uplift, low, high = newcombe(
            c.control_lost, c.control, c.treated_lost, c.treated, confidence
        )
    small = min(c.treated, c.control) < MIN_GROUP
    return Effect(c, t_rate, c_rate, uplift, low, high, small)


def counts_by_unit(rows: Iterable[tuple[str, str, str, int]]) -> dict[str, Counts]:
    """(unit, group, outcome, cases) rows → Counts per unit."""
    out: dict[str, Counts] = {}
    for unit, group, outcome, n in rows:
        lost = n if outcome == "lost" else 0
        add = Counts(n, lost, 0, 0) if group == "treated" else Counts(0, 0, n, lost)
        out[unit] = out.get(unit, Counts()) + add
    return out


def _row(org_id: str | None, name: str, e: Effect) -> s.EffectRow:
    c = e.counts
    return s.EffectRow(
        org_id=org_id,
        org_name=name,
        treated=c.treated,
        treated_lost=c.treated_lost,
        treated_rate=e.treated_rate,
        control=c.control,
        control_lost=c.control_lost,
        control_rate=e.control_rate,
        uplift=e.uplift,
        ci_low=e.ci_low,
        ci_high=e.ci_high,
        too_small=e.too_small,
    )


def tabulate(session: Session, *, within: str | None, as_of: date | None) -> s.EffectOut:
    """The effect table over cases with an outcome in `within`'s subtree (the whole bank when
    None): one row per outlet (of opening) and the overall row."""
    units = counts_by_unit(repo.effect_counts(session, within=within, as_of=as_of))
    names = repo.org_names(session, sorted(units))
    total = sum(units.values(), Counts())
    scope = "全行"
    if within is not None:
        found = repo.org_names(session, [within])
        if not found:
            raise NotFound(f"没有机构 {within}")
        scope = found[within]
    return s.EffectOut(
        as_of=as_of,
        method=METHOD,
        confidence=CONFIDENCE,
        min_group=MIN_GROUP,
        overall=_row(within, scope, measure(total)),
        outlets=[_row(u, names.get(u, u), measure(units[u])) for u in sorted(units)],
    )


def report(
    session: Session, actor: Actor, *, as_of: date | None = None, org: str | None = None
) -> s.EffectOut:
    """挽留效果 of the actor's org subtree (or of `org` within it): aggregates only, no
    personal data, so analysts may read it too."""
    if not actor.can(Permission.view_aggregates) or actor.org_id is None:
        raise Forbidden("无权查看挽留效果")
    if org is not None and not repo.in_subtree(session, actor.org_id, org):
        raise NotFound(f"没有机构 {org}")
    return tabulate(session, within=org or actor.org_id, as_of=as_of)
