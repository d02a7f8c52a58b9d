-- Finance's view of completion: the order is paid in full at the first receipt that brings
-- cumulative payments up to the net invoiced amount incl. tax (blue minus red invoices).
with

receipts as (

    select
        receipt_id,
        order_id,
        amount_cny,
        -- A receipt without an audit time counts from the start of its plant date.
        coalesce(received_at, {{ plant_date_start('receipt_date') }}) as received_at
    from {{ ref('stg_erp__receipts') }}
    where order_id is not null

),

orders_delivered as (

    select
        order_id,
        net_invoiced_gross_amount_cny
    from {{ ref('int_orders_delivered') }}

),

receipts_accumulated as (

    select
        receipts.order_id,
        receipts.received_at,
        sum(receipts.amount_cny) over (
            partition by receipts.order_id
            order by receipts.received_at, receipts.receipt_id
            rows between unbounded preceding and current row
        ) as received_amount_cny_to_date
    from receipts

),

paid_in_full as (

    select
        receipts_accumulated.order_id,
        min(receipts_accumulated.received_at) as paid_at
    from receipts_accumulated
    inner join orders_delivered
        on receipts_accumulated.order_id = orders_delivered.order_id
    where orders_delivered.net_invoiced_gross_amount_cny > 0
        and receipts_accumulated.received_amount_cny_to_date
        >= orders_delivered.net_invoiced_gross_amount_cny - {{ var('money_tolerance_cny') }}
    group by receipts_accumulated.order_id

),

receipt_totals as (

    select
        receipts.order_id,
        count(*) as receipt_count,
        sum(receipts.amount_cny) as received_amount_cny,
        min(receipts.received_at) as first_received_at
    from receipts
    group by receipts.order_id

),

final as (

    select
        orders_delivered.order_id,
        coalesce(receipt_totals.receipt_count, 0) as receipt_count,
        coalesce(receipt_totals.received_amount_cny, 0) as received_amount_cny,
        receipt_totals.first_received_at,
        paid_in_full.paid_at,
        paid_in_full.paid_at is not null as is_paid
    from orders_delivered
    left join receipt_totals
        on orders_delivered.order_id = receipt_totals.order_id
    left join paid_in_full
        on orders_delivered.order_id = paid_in_full.order_id

)

select * from final
