"""Suite for marts.order_360: one wide row per order, every system's view."""

from __future__ import annotations

from expectations.suite import BLOCKING, MartSuite, contract_checks, violations

MART = "order_360"

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        violations(
            "one_row_per_delivery_order",
            BLOCKING,
            "order_360 and fct_order_delivery have the same grain and the same orders.",
            f"""
            select
                coalesce(wide.order_id, deliveries.order_id) as order_id,
                wide.order_id is not null as in_order_360,
                deliveries.order_id is not null as in_fct_order_delivery,
            from (select distinct order_id from marts.{MART}) as wide
            full outer join (select distinct order_id from marts.fct_order_delivery) as deliveries
                on deliveries.order_id = wide.order_id
            where wide.order_id is null or deliveries.order_id is null
            """,
        ),
    ),
)
