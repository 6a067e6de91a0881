"""Customers of one chunk: who they are (profile) and where their money is heading (latent path)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.demo import names
from bankcrm.demo.catalog import outlets
from bankcrm.demo.timeline import I32, I64, NEVER, Timeline, add_years, birth_years
from bankcrm.kit.idcard import check_chars

Rng = np.random.Generator
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Strs = npt.NDArray[np.str_]

STABLE, DRIFT, GROW = 0, 1, 2
TRAJECTORIES = ("stable", "drift", "grow")
BAND_EDGES_YUAN = (50_000, 500_000, 3_000_000)
BAND_SHARES = (0.70, 0.25, 0.045, 0.005)
# Age bins (lower bound) and weights per AUM band: the rich are older.
AGE_BINS = np.array([18, 25, 35, 45, 55, 65, 75, 91])
AGE_WEIGHTS = np.array(
    [
        [10, 23, 20, 17, 14, 10, 6],
        [3, 14, 21, 22, 19, 14, 7],
        [1, 6, 18, 26, 25, 16, 8],
        [0, 3, 15, 28, 28, 18, 8],
    ],
    dtype=np.float64,
)
NONE, SALARY, PENSION, BUSINESS, FAMILY = 0, 1, 2, 3, 4
EMPLOYEE = {
    "企业职员",
    "工程师",
    "教师",
    "医生",
    "护士",
    "公务员",
    "销售",
    "财务",
    "工人",
    "司机",
    "律师",
}
OWNER = {"个体工商户", "私营企业主"}
# Occupations that work for a public body, and its kind (names.PUBLIC_BODIES).
PUBLIC_POSTS = {"教师": "school", "医生": "hospital", "护士": "hospital", "公务员": "government"}


@dataclass
class Book:
    """Per-customer arrays of one chunk (index = position in the chunk)."""

    gid: I64  # global customer number - 1
    band: I64
    male: B
    birth: I32
    age: I64  # whole years on `end`
    opened: I32
    closed: I32  # close day or NEVER
    outlet: I64
    district: I64
    traj: I64
    change_day: I32  # start of drift / growth, NEVER for stable
    end_fen: I64  # point AUM target on `end`
    start_fen: I64  # AUM level before any change
    targets: npt.NDArray[np.int64]  # (n, history months): AUM at each month end
    income_kind: I64
    income_fen: I64  # monthly
    pay_day: I64  # day of month income arrives
    employer: I64  # index into the employer list, -1 none
    occupation: I64  # index into names.OCCUPATIONS
    spend_rate: F64  # outgoing everyday transactions per month at full activity
    e_banking: B
    gap: B  # deliberately incomplete profile (建档缺失)

    @property
    def n(self) -> int:
        return len(self.gid)


def _bands(rng: Rng, n: int) -> I64:
    """AUM bands in exactly the target proportions (largest remainder), in random order."""
    quota = np.asarray(BAND_SHARES) * n
    counts = np.floor(quota).astype(np.int64)
    counts[np.argsort(counts - quota)[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(4), counts))


def _ages(rng: Rng, band: I64) -> I64:
    age = np.empty(len(band), dtype=np.int64)
    for b in range(4):
        idx = np.flatnonzero(band == b)
        k = names.weighted(rng, AGE_WEIGHTS[b], len(idx))
        age[idx] = rng.integers(AGE_BINS[k], AGE_BINS[k + 1])
    return age


def _end_aum_yuan(rng: Rng, band: I64) -> F64:
    """Heavy-tailed point AUM inside each band (truncated Pareto; band 0 log-uniform)."""
    u = rng.random(len(band))
    lo = np.array([0.0, 5e4, 5e5, 3e6])[band]
    hi = np.array([5e4, 5e5, 3e6, 5e7])[band]
    alpha = np.array([1.0, 1.0, 1.2, 1.5])[band]
    pareto = lo / (1 - u * (1 - (lo / np.maximum(hi, 1)) ** alpha)) ** (1 / alpha)
    small = np.where(
        rng.random(len(band)) < 0.2, u * 1_000, np.exp(np.log(1_000) + u * np.log(49_900 / 1_000))
    )
    return np.where(band == 0, small, np.minimum(pareto, hi * 0.999))


def _opened(rng: Rng, tl: Timeline, band: I64, birth: I32, age: I64) -> tuple[I32, I32, I64]:
    """(opening day, birth day, age): most open long before the history, ~8% in 13 months.

    Openings before the history thin out smoothly toward its start, and new customers arrive at
    an even rate through the history and the daily tail. Nobody opens before 18: such an
    opening moves to 0-700 days after the 18th birthday, and where that would be after `end`
    the customer is made a year or two older instead (a customer on `end` has opened by then).
    """
    n = len(band)
    years_before = 22 * rng.beta(1.1, 2.2, n)
    opened = tl.start - 1 - (years_before * 365.25).astype(np.int64)
    per_13_months = np.array([0.10, 0.05, 0.03, 0.02])[band]  # new-customer share by band
    new = rng.random(n) < per_13_months * (len(tl.month_ends) / 13)
    opened = np.where(new, rng.integers(tl.start, tl.horizon + 1, n), opened)
    adult = add_years(birth, np.full(n, 18)).astype(np.int64)
    late = opened < adult
    delay = (rng.random(n) * 700).astype(np.int64)
    older = np.where(late, -(-np.maximum(adult + delay - tl.end, 0) // 365), 0)
    birth = add_years(birth, -older)  # a calendar year back is ≥ 365 days back
    opened = np.where(late, add_years(birth, np.full(n, 18)) + delay, opened)
    return np.asarray(opened, dtype=np.int32), birth, age + older


def _trajectory(rng: Rng, tl: Timeline, opened: I32) -> tuple[I64, I64, I32]:
    """(trajectory, change month, change day): drifters late in the history, growers mid-way."""
    n, m = len(opened), len(tl.month_ends)
    old = opened < tl.start
    u = rng.random(n)
    traj = np.where(old & (u < 0.11), DRIFT, np.where(old & (u > 0.93), GROW, STABLE))
    if m < 3:
        traj[:] = STABLE
    lo_d, lo_g, hi = max(1, m // 2), max(1, m // 3), max(1, m - 2)
    month = np.where(traj == DRIFT, rng.integers(lo_d, hi + 1, n), rng.integers(lo_g, hi + 1, n))
    month = np.where(traj == STABLE, -1, month)
    firsts = np.array([p.lo for p in tl.history_periods], dtype=np.int64)
    day = firsts[np.maximum(month, 0)] + rng.integers(0, 16, n)
    return traj, month, np.where(traj == STABLE, NEVER, day).astype(np.int32)


def _f(x: F64) -> F64:
    """Interpolation space: ~log for large balances, ~linear near zero (zeros allowed)."""
    return np.log1p(x / 100.0)


def _f_inv(y: F64) -> F64:
    return np.expm1(y) * 100.0


def _targets(rng: Rng, tl: Timeline, bk: Book, month: I64) -> None:
    """Month-end AUM targets: flat for the stable; drift falls and grow rises after `month`.

    Closers (AUM 0 at the end) start from a modest level and are at 0 from their closing month.
    """
    n, m = bk.n, len(tl.month_ends)
    e = bk.end_fen / 100.0
    ratio = np.where(bk.traj == DRIFT, rng.uniform(0.05, 0.5, n), rng.uniform(1.5, 4.0, n))
    closing = bk.closed <= tl.end
    closer_start = np.exp(rng.uniform(np.log(5_000), np.log(300_000), n))
    a0 = np.select(
        [closing & (bk.traj == STABLE), bk.traj == STABLE, closing],
        [np.exp(rng.uniform(np.log(10), np.log(3_000), n)), e, closer_start],
        e / ratio,
    )
    steps = rng.integers(1, 4, n)[:, None]
    mi = np.arange(m)[None, :]
    w = np.clip((mi - month[:, None] + 1) / steps, 0, 1)
    w[bk.traj == STABLE] = 0.0
    a = _f_inv(_f(a0)[:, None] * (1 - w) + _f(e)[:, None] * w)
    moving = bk.traj != STABLE
    a[moving] *= np.exp(rng.normal(0, 0.03, (int(moving.sum()), m)))
    a[:, -1] = e
    a[tl.month_ends[None, :] < bk.opened[:, None]] = 0.0  # not a customer yet
    a[tl.month_ends[None, :] >= bk.closed[:, None]] = 0.0
    new = bk.opened >= tl.start
    bk.start_fen = np.where(new, bk.end_fen, np.rint(a0 * 100)).astype(np.int64)
    bk.targets = np.rint(a * 100).astype(np.int64)


def _closures(rng: Rng, tl: Timeline, bk: Book) -> None:
    """Some band-0 drifters close everything at the end; a few dormant small accounts close."""
    n = bk.n
    drift_close = (bk.traj == DRIFT) & (bk.band == 0) & (rng.random(n) < 0.3)
    span = np.maximum(tl.end - (bk.change_day.astype(np.int64) + 20), 1)
    day_d = bk.change_day.astype(np.int64) + 20 + (rng.random(n) * span).astype(np.int64)
    dormant = (
        (bk.traj == STABLE) & (bk.band == 0) & (bk.opened < tl.start) & (rng.random(n) < 0.006)
    )
    day_s = rng.integers(tl.start + 20, tl.end + 1, n)
    closed = np.where(drift_close, np.minimum(day_d, tl.end), np.where(dormant, day_s, NEVER))
    bk.closed = closed.astype(np.int32)
    bk.end_fen = np.where(closed <= tl.end, 0, bk.end_fen)


def _distinct(cell: Strs, slot: I64, size: int) -> I64:
    """Slots made unique inside each cell: the k-th member takes the first member's slot + k."""
    _, inv = np.unique(cell, return_inverse=True)
    order = np.argsort(inv, kind="stable")
    g = inv[order]
    head = np.searchsorted(g, g)  # position of the cell's first member in `order`
    out = np.empty_like(slot)
    out[order] = (slot[order][head] + np.arange(len(g)) - head) % size
    return out


def _ids(rng: Rng, bk: Book, part: int, parts: int) -> tuple[I64, npt.NDArray[np.str_]]:
    """(id_type code, id_number): 97.5% 居民身份证 with a real 苏州 area code, the rest permits.

    Two customers born on the same day in the same area with the same gender would draw the same
    number now and then: inside a chunk the sequence codes of such a cell are made distinct, and
    chunk `part` of `parts` draws only from its own share of the 500 codes (25 each at 1M
    customers; a cell holding more customers than its share wraps around).
    """
    n = bk.n
    id_type = names.weighted(rng, [975, 15, 10], n)  # resident_id, passport, hk_mo_permit
    codes: list[str] = []
    weights: list[float] = []
    for _d, _prefix, cs, _streets in names.DISTRICTS:
        codes += [c for c, _ in cs]
        weights += [w for _, w in cs]
    home = np.array([names.DISTRICTS[d][2][0][0] for d in range(len(names.DISTRICTS))])
    anywhere = np.asarray(codes)[names.weighted(rng, weights, n)]
    area = np.where(rng.random(n) < 0.7, home[bk.district], anywhere)
    ymd = np.strings.replace(bk.birth.astype("datetime64[D]").astype(str), "-", "")
    stride = min(parts, 500)
    share = 500 // stride  # sequence codes per gender for this chunk
    slot = (rng.integers(0, 100, n) * 5 + rng.integers(0, 5, n)) % share
    cell = np.strings.add(np.strings.add(area, ymd), bk.male.astype(str))
    slot = part % stride + stride * _distinct(cell, slot, share)
    seq = slot // 5 * 10 + slot % 5 * 2 + bk.male  # odd for men (GB 11643)
    first17 = np.strings.add(np.strings.add(area, ymd), np.strings.zfill(seq.astype(str), 3))
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    resident = np.strings.add(first17, check_chars(digits))
    # Permit numbers from the customer number (× a unit mod 10^8): unique, random-looking.
    serial = np.strings.zfill(((bk.gid * 91_733_491 + 12_345_679) % 10**8).astype(str), 8)
    permit = np.strings.add(np.where(id_type == 1, "E", "H"), serial)
    return id_type, np.where(id_type == 0, resident, permit)


def _employers(rng: Rng, label: Strs, n_employers: int) -> I64:
    """Teachers, doctors, nurses and civil servants work for public bodies; others for companies
    (a few at the state-owned utilities). The employer list ends with names.PUBLIC_EMPLOYERS."""
    public = {name: n_employers - len(names.PUBLIC_EMPLOYERS) + i
              for i, name in enumerate(names.PUBLIC_EMPLOYERS)}  # fmt: skip
    emp = rng.integers(0, n_employers - len(public), len(label))
    soe = np.array([public[x] for x in names.PUBLIC_BODIES["soe"]])
    emp = np.where(rng.random(len(label)) < 0.05, soe[emp % len(soe)], emp)
    for occupation, kind in PUBLIC_POSTS.items():
        at = np.array([public[x] for x in names.PUBLIC_BODIES[kind]])
        emp = np.where(label == occupation, at[emp % len(at)], emp)
    return emp


def _work(rng: Rng, bk: Book, n_employers: int) -> None:
    """Occupation, employer and monthly income (salary 代发, pension, business takings, family)."""
    n, occ = bk.n, np.asarray(names.OCCUPATIONS)
    retired_age = np.where(bk.male, 60, 55)
    working = names.weighted(rng, [30, 10, 7, 4, 3, 5, 6, 5, 8, 6, 5, 6, 3, 1, 0, 0, 2, 3], n)
    o = np.where(bk.age >= retired_age, np.where(rng.random(n) < 0.85, 15, working), working)
    o = np.where((bk.age <= 22) & (rng.random(n) < 0.6), 14, o)
    bk.occupation = o
    label = occ[o]
    kind = np.select(
        [np.isin(label, list(EMPLOYEE)), np.isin(label, list(OWNER)), label == "退休"],
        [
            np.where(rng.random(n) < 0.65, SALARY, NONE),
            BUSINESS,
            np.where(rng.random(n) < 0.8, PENSION, NONE),
        ],
        np.where(rng.random(n) < 0.5, FAMILY, NONE),
    )
    band_f = np.array([0.8, 1.3, 2.2, 3.5])[bk.band]
    median = np.select(
        [kind == SALARY, kind == PENSION, kind == BUSINESS, kind == FAMILY],
        [7_000 * band_f, 4_200 + 0 * band_f, 22_000 * band_f, 1_500 + 0 * band_f],
        0,
    )
    bk.income_fen = np.rint(median * np.exp(rng.normal(0, 0.35, n)) * 100).astype(np.int64)
    # An employee past retirement age draws a pension; the occupation on file is the old one.
    kind = np.where((bk.age >= retired_age) & (kind == SALARY), PENSION, kind)
    bk.income_kind = kind
    emp = _employers(rng, label, n_employers)
    bk.employer = np.where(np.isin(label, list(EMPLOYEE | OWNER)), emp, -1)
    bk.pay_day = np.where(kind == PENSION, 5, np.array([5, 10, 15, 20, 25])[emp % 5])


def _behaviour(rng: Rng, bk: Book) -> None:
    n = bk.n
    dormant = rng.random(n) < np.array([0.22, 0.06, 0.04, 0.04])[bk.band]
    youth = np.clip((70 - bk.age) / 40, 0.3, 1.2)
    bk.spend_rate = np.where(dormant, 0.15, rng.gamma(2.0, 2.8, n) * youth + 0.6)
    p_eb = np.interp(bk.age, [18, 40, 55, 65, 75, 90], [0.95, 0.92, 0.8, 0.55, 0.3, 0.12])
    bk.e_banking = rng.random(n) < p_eb
    bk.gap = rng.random(n) < np.array([0.32, 0.15, 0.06, 0.03])[bk.band]


def make_book(rng: Rng, tl: Timeline, first_gid: int, n: int, n_employers: int) -> Book:
    """Draw a chunk of customers; the AUM band is drawn first so the split hits its targets."""
    band = _bands(rng, n)
    age = _ages(rng, band)
    birth = add_years(np.full(n, tl.end), -age) - rng.integers(0, 365, n)
    outs = outlets()
    outlet = names.weighted(rng, [3 if i % 4 == 0 else 2 for i in range(len(outs))], n)
    own_district = np.array([o.district for o in outs])[outlet]
    district = np.where(rng.random(n) < 0.8, own_district, rng.integers(0, len(names.DISTRICTS), n))
    opened, birth, age = _opened(rng, tl, band, birth, age)
    traj, month, change = _trajectory(rng, tl, opened)
    e = np.rint(_end_aum_yuan(rng, band) * 100).astype(np.int64)
    empty = np.zeros(n, dtype=np.int64)
    bk = Book(
        np.arange(first_gid, first_gid + n, dtype=np.int64),
        band,
        rng.random(n) < 0.49,
        birth,
        age,
        opened,
        np.full(n, NEVER, np.int32),
        outlet,
        district,
        traj,
        change,
        e,
        e.copy(),
        np.zeros((n, 0), np.int64),
        empty,
        empty,
        empty,
        empty,
        empty,
        np.zeros(n),
        np.zeros(n, bool),
        np.zeros(n, bool),
    )
    _closures(rng, tl, bk)
    _targets(rng, tl, bk, month)
    _work(rng, bk, n_employers)
    _behaviour(rng, bk)
    return bk


@dataclass
class Identity:
    """Who each customer of a chunk is, as written to the customers table."""

    name: Strs
    id_type: I64  # 0 居民身份证, 1 passport, 2 港澳通行证
    id_number: Strs
    phone: I64  # 11-digit mobile
    home_phone: Strs
    address: Strs


def identity(rng: Rng, bk: Book, part: int = 0, parts: int = 1) -> Identity:
    """Name, ID, contact and address fields of chunk `part` of `parts`."""
    n = bk.n
    id_type, id_number = _ids(rng, bk, part, parts)
    counts = np.array([len(d[3]) for d in names.DISTRICTS])
    flat_streets = np.asarray([st for d in names.DISTRICTS for st in d[3]])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    street = flat_streets[offsets[bk.district] + rng.integers(0, 1000, n) % counts[bk.district]]
    prefix = np.asarray([d[1] for d in names.DISTRICTS])[bk.district]
    house = np.strings.add(np.strings.add(street, rng.integers(1, 600, n).astype(str)), "号")
    flat = np.strings.add(
        np.strings.add(rng.integers(1, 40, n).astype(str), "幢"),
        np.strings.add(rng.integers(101, 2302, n).astype(str), "室"),
    )
    address = np.strings.add(
        np.strings.add(prefix, house), np.where(rng.random(n) < 0.75, flat, "")
    )
    return Identity(
        name=names.person_names(rng, bk.male, birth_years(bk.birth)),
        id_type=id_type,
        id_number=id_number,
        phone=names.mobiles(rng, n),
        home_phone=np.strings.add(
            "0512-6", np.strings.zfill(rng.integers(0, 10**7, n).astype(str), 7)
        ),
        address=address,
    )
