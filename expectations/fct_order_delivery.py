"""Suite for marts.fct_order_delivery: one row per order, the unified delivery anchor.

Besides the contract it reconciles the mart with the ERP and WMS raw tables: the order
count, over-invoicing (a duplicated invoice), a surge of negative invoice quantities and
proof of delivery behind every delivered order. Raw keeps every version of a record, so
each query first keeps the latest version per key, as staging does.
"""

from __future__ import annotations

from expectations.suite import (
    BLOCKING,
    WARNING,
    MartSuite,
    contract_checks,
    not_negative,
    plant_date,
    violations,
)

MART = "fct_order_delivery"

_LATEST_INVOICE_LINES = """
    select * from raw.erp__sale_invoices
    qualify row_number() over (partition by code, rowno order by modifytime desc) = 1
"""

ORDER_COUNT_RECONCILES = f"""
with erp_orders as (
    select count(distinct code) as orders from raw.erp__sale_orders where date <= $data_through
),
mart_orders as (
    select count(*) as orders from marts.{MART}
)
select erp_orders.orders as erp_orders, mart_orders.orders as mart_orders
from erp_orders cross join mart_orders
where erp_orders.orders <> mart_orders.orders
"""

INVOICED_NOT_ABOVE_ORDERED = f"""
with invoice_lines as ({_LATEST_INVOICE_LINES}),
order_lines as (
    select * from raw.erp__sale_order_lines
    qualify row_number() over (partition by code, rowno order by modifytime desc) = 1
),
invoiced as (
    select socode, sorowno, sum(quantity) as invoiced_qty, list(code order by code) as invoices
    from invoice_lines
    group by all
)
select
    order_lines.code as order_id,
    order_lines.rowno,
    order_lines.quantity as ordered_qty,
    invoiced.invoiced_qty,
    invoiced.invoices,
from invoiced
inner join order_lines
    on order_lines.code = invoiced.socode and order_lines.rowno = invoiced.sorowno
where invoiced.invoiced_qty > order_lines.quantity
order by order_lines.code, order_lines.rowno
"""

# A credit note is a negative invoice line. A day with at least 5 of them and a share above
# max(20 %, 3 x the trailing 28-day share) is a surge: a reversed batch, a sign error.
NEGATIVE_QUANTITY_SURGE = f"""
with invoice_lines as ({_LATEST_INVOICE_LINES}),
run_day as (
    select
        count(*) filter (where quantity < 0) as negative_lines,
        count(*) as lines,
    from invoice_lines
    where date = $data_through
),
trailing_days as (
    select count(*) filter (where quantity < 0) / greatest(count(*), 1) as negative_share,
    from invoice_lines
    where date between $data_through - 28 and $data_through - 1
)
select
    run_day.negative_lines,
    run_day.lines,
    run_day.negative_lines / greatest(run_day.lines, 1) as negative_share,
    greatest(0.2, 3 * trailing_days.negative_share) as allowed_share,
from run_day
cross join trailing_days
where
    run_day.negative_lines >= 5
    and run_day.negative_lines / greatest(run_day.lines, 1)
    > greatest(0.2, 3 * trailing_days.negative_share)
"""

# Orders delivered in the last 14 days: each needs a signed proof of delivery at or before
# its delivered_at (SPEC 5.1), else the anchor counted a delivery the customer never signed.
DELIVERED_WITHOUT_PROOF = f"""
with proofs as (
    select so_code, min(signed_at) as first_signed_at
    from raw.wms__proofs_of_delivery
    group by all
)
select
    deliveries.order_id,
    deliveries.delivered_at,
    proofs.first_signed_at,
from marts.{MART} as deliveries
left join proofs on proofs.so_code = deliveries.order_id
where
    deliveries.is_delivered
    and {plant_date("deliveries.delivered_at")} between $data_through - 13 and $data_through
    and (proofs.first_signed_at is null or proofs.first_signed_at > deliveries.delivered_at)
order by deliveries.delivered_at
"""

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        *not_negative(["points_pool"]),
        violations(
            "on_time_implies_delivered",
            BLOCKING,
            "On-time numerator <= denominator: an order cannot be on time before it is delivered.",
            f"select order_id, is_delivered, is_on_time from marts.{MART} "
            "where is_on_time and not coalesce(is_delivered, false)",
        ),
        violations(
            "delivered_iff_delivered_at",
            BLOCKING,
            "is_delivered and delivered_at must tell the same story.",
            f"select order_id, is_delivered, delivered_at from marts.{MART} "
            "where coalesce(is_delivered, false) <> (delivered_at is not null)",
        ),
        violations(
            "on_time_matches_promised_date",
            BLOCKING,
            "On time = plant-local date of delivered_at <= promised date (SPEC 5.1).",
            f"select order_id, delivered_at, promised_date, is_on_time from marts.{MART} "
            f"where is_delivered and is_on_time <> ({plant_date('delivered_at')} <= promised_date)",
        ),
        violations(
            "delivered_not_after_data_through",
            BLOCKING,
            "A delivery after the run's date is a clock or time-zone error.",
            f"select order_id, delivered_at from marts.{MART} "
            f"where {plant_date('delivered_at')} > $data_through",
        ),
        violations(
            "promise_not_before_first_commitment",
            WARNING,
            "Only a customer-requested later date moves the promise (SPEC 5.1).",
            f"select order_id, first_committed_date, promised_date from marts.{MART} "
            "where promised_date < first_committed_date",
        ),
        violations(
            "order_count_reconciles_with_erp",
            BLOCKING,
            "Every ERP sales order up to the run's date is one row of the mart.",
            ORDER_COUNT_RECONCILES,
        ),
        violations(
            "invoiced_not_above_ordered",
            BLOCKING,
            "Net invoiced quantity above the ordered quantity is a duplicated invoice; it "
            "would mark the order delivered early.",
            INVOICED_NOT_ABOVE_ORDERED,
        ),
        violations(
            "no_negative_quantity_surge",
            BLOCKING,
            "A surge of negative invoice quantities on one day is a reversed batch or a sign "
            "error, not ordinary credit notes.",
            NEGATIVE_QUANTITY_SURGE,
        ),
        violations(
            "delivered_orders_have_proof_of_delivery",
            BLOCKING,
            "Cross-source: orders delivered per day must have the customer's signature in WMS.",
            DELIVERED_WITHOUT_PROOF,
        ),
    ),
)
