"""Owners (管户) for customers without one. Issue 5 needs owners for the front-line data scope;
this is the simplest rule that gives every front-line role its book — issue 6 replaces it with
the configurable, tier-driven assignment rules (eligible roles per tier, capacity, attribution,
hand-over).

The rule here: under `maintenance_3tier`, customers of 中端 and above go to the home outlet's
wealth and account managers, the rest to its tellers and lobby managers; round-robin in
customer order among the active staff of that outlet. Existing owners are kept. One set-based
statement per group: no row-by-row ORM at 1M customers.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

GROUPS = (
    ("tier_rank >= 1", ("wealth_manager", "account_manager")),
    ("tier_rank < 1 OR tier_rank IS NULL", ("teller", "lobby_manager")),
)


def assign_unowned(session: Session, as_of: date, rule_set: str = "maintenance_3tier") -> int:
    total = 0
    for condition, roles in GROUPS:
        role_list = ", ".join(f"'{r}'" for r in roles)
        sql = f"""
            INSERT INTO customer_owners (customer_id, staff_id, role, since)
            SELECT c.customer_id, s.staff_id, s.role, :as_of
            FROM (
                SELECT cu.customer_id, cu.home_org_id,
                       row_number() OVER (PARTITION BY cu.home_org_id ORDER BY cu.customer_id) - 1
                           AS rn
                FROM customers cu
                LEFT JOIN customer_tiers t
                    ON t.customer_id = cu.customer_id AND t.rule_set = :rule_set
                WHERE ({condition})
                  AND NOT EXISTS (SELECT 1 FROM customer_owners o
                                  WHERE o.customer_id = cu.customer_id)
            ) c
            JOIN (
                SELECT staff_id, role, org_id,
                       row_number() OVER (PARTITION BY org_id ORDER BY staff_id) - 1 AS k,
                       count(*) OVER (PARTITION BY org_id) AS n
                FROM staff WHERE status = 'active' AND role IN ({role_list})
            ) s ON s.org_id = c.home_org_id AND s.k = c.rn % s.n
        """
        result = session.execute(text(sql), {"as_of": as_of, "rule_set": rule_set})
        total += result.rowcount or 0  # type: ignore[attr-defined]
    return total
