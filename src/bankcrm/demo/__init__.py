"""Synthetic demo bank (演示银行苏州分行): seeded, realistic, fast.

`build_demo(DemoSpec(...), out)` writes the initial drop (`months` of history ending on `end`) and
`daily_tail` daily drops. Same spec → byte-identical files. The generative story:

Organisation. 总行 → 苏州分行 → 3 支行 (姑苏, 工业园区, 吴中) → 12 网点, 4 each. Each 网点 has a
head, a lobby manager, 2-3 tellers and 1-2 each of account and wealth managers (growing with the
cube root of the book); each 支行 a president, a VP and a retail head; the branch and the head
office analysts, a rule admin, auditors and admins: ~100 staff at 20k customers, 4% `left`.

Customers. The AUM band on `end` is drawn first, in exactly 70 / 25 / 4.5 / 0.5 % for <5万 /
5-50万 / 50-300万 / ≥300万, then age (the rich are older), gender, home 网点 (80% live in its
district). Names follow generation and gender (Wu surnames boosted). 97.5% hold a 居民身份证
(1.5% a passport, 1% a 港澳通行证): a real 苏州 area code, the birth date, a sequence digit odd
for men, the GB 11643 check digit; all distinct (checked at 1M customers). Mobiles, 0512 home
phones (mostly over-50s), street addresses; occupation by age (retired past 60/55, students at
≤22), employers (fictional companies; teachers, doctors and civil servants at public bodies),
salary 代发, pension, business or family income. 建档 gaps: 32 / 15 / 6 / 3 % of customers by
band miss one or more of phone, address, employer, occupation, marital status, risk level.
Most opened years ago; per 13 months of history 10 / 5 / 3 / 2 % by band are new, opening
evenly over the days of the history and the tail; nobody opens before 18.

Money. Point AUM on `end` is heavy-tailed inside its band (log-uniform below 5万, truncated
Pareto above, ≥300万 capped at 5000万). It is spread over 定期/大额存单, 理财, funds, insurance,
国债, 积存金, 三方存管 and a second 活期 (more classes the richer); the main 活期 keeps ≥10%.
Term products run as chains: 定期 auto-renews (interest capitalised), 理财 pays out and is bought
again; funds and gold follow simulated prices. ~11% hold loans (housing, consumer, business,
car; annuity repayments, ~3% of running loans overdue), every customer a debit card, ~30% a
credit card. Every money movement posts to the main 活期 (salary, spending, bills, purchases,
maturities, repayments, transfers), and its balance rows (change mode: a row on each day it
moves, plus the opening snapshot) are exactly the running sum of its transactions.

Trajectories (latent). Of customers who opened before the history (needs months ≥ 3): 11% drift,
7% grow, the rest (and every new customer) stable; a stable customer's month-end AUM is flat.
- drift, starting in the second half of the history (by the month before `end`'s): AUM falls
  over 1-3 months from 2-20× its `end` level; money leaves in transfers to other banks (mostly
  the customer's own account there), maturities are not renewed, investments are cashed out
  (some insurance and bonds kept); activity and logins fade by ~27% a month to 20%; half of the
  salaried move their 代发 away; 30% of the <5万 ones close everything.
- grow, starting after the first third: AUM rises 1.5-4× as money arrives from other banks and
  is invested (new products on top); 15% livelier, renewing 90% of maturities.
A few dormant small accounts close. The truth (customer_id, trajectory, drift_start,
grow_start) goes to `out/_truth/customers.parquet`, never into a drop: a bank's extracts do not
know who is about to leave.
"""

from bankcrm.demo.generator import DemoResult, DemoSpec, build_demo

__all__ = ["DemoResult", "DemoSpec", "build_demo"]
