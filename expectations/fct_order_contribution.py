"""Suite for marts.fct_order_contribution: one row per order x stage x employee."""

from __future__ import annotations

from expectations.suite import (
    BLOCKING,
    WARNING,
    MartSuite,
    contract_checks,
    not_negative,
    violations,
)

MART = "fct_order_contribution"

# SPEC 5.2: the rows of a delivered order always sum to its pool (to 0.01); a delivered
# order without rows has lost its whole pool.
CONSERVATION = f"""
with contributed as (
    select order_id, sum(points) as points from marts.{MART} group by all
)
select
    deliveries.order_id,
    deliveries.points_pool,
    contributed.points as points_credited,
from marts.fct_order_delivery as deliveries
left join contributed on contributed.order_id = deliveries.order_id
where
    deliveries.is_delivered
    and abs(coalesce(contributed.points, 0) - deliveries.points_pool) > 0.01
order by deliveries.order_id
"""

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        *not_negative(["points"]),
        violations(
            "contribution_conserves_points_pool",
            BLOCKING,
            "Contribution conservation: an order's rows sum to its pool (SPEC 5.2).",
            CONSERVATION,
        ),
        violations(
            "contribution_only_for_delivered_orders",
            WARNING,
            "Points are earned on delivery; rows for an undelivered order are premature.",
            f"select contributions.order_id, contributions.stage, contributions.points "
            f"from marts.{MART} as contributions "
            "left join marts.fct_order_delivery as deliveries "
            "on deliveries.order_id = contributions.order_id "
            "where not coalesce(deliveries.is_delivered, false)",
        ),
    ),
)
