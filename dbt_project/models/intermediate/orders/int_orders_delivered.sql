-- The unified delivery anchor (SPEC 5.1) and the departmental views beside it, per order.
-- delivered_at = the first moment at which every non-cancelled line had signed >= ordered
-- and net invoiced >= ordered, provided that still holds now (a credit note that was never
-- re-invoiced un-delivers the order; one that was re-invoiced does not move delivered_at).
with

orders as (

    select order_id
    from {{ ref('stg_erp__sale_orders') }}

),

order_lines as (

    select
        order_line_id,
        order_id,
        ordered_qty,
        net_amount_cny,
        gross_amount_cny,
        is_cancelled,
        signed_qty,
        net_invoiced_qty,
        shipped_qty,
        net_invoiced_amount_cny,
        net_invoiced_gross_amount_cny,
        credit_note_count,
        is_signed_complete,
        is_shipped_complete,
        is_invoiced_complete,
        is_complete,
        signed_completed_at,
        shipped_completed_at,
        invoiced_completed_at,
        first_signed_at,
        first_shipped_at,
        first_invoiced_at
    from {{ ref('int_order_lines_completed') }}

),

line_moments as (

    select
        order_line_id,
        event_at,
        completion_delta
    from {{ ref('int_order_line_quantities_accumulated') }}

),

active_lines as (

    -- Cancelled lines and lines with nothing left to deliver never block an order.
    select * from order_lines
    where not coalesce(is_cancelled, false)
        and ordered_qty > 0

),

order_totals as (

    select
        orders.order_id,
        count(active_lines.order_line_id) as active_line_count,
        coalesce(sum(active_lines.ordered_qty), 0) as ordered_qty,
        coalesce(sum(active_lines.net_amount_cny), 0) as net_amount_cny,
        coalesce(sum(active_lines.gross_amount_cny), 0) as gross_amount_cny,
        coalesce(sum(active_lines.signed_qty), 0) as signed_qty,
        coalesce(sum(active_lines.shipped_qty), 0) as shipped_qty,
        coalesce(sum(active_lines.net_invoiced_qty), 0) as net_invoiced_qty,
        count(active_lines.order_line_id) filter (where active_lines.is_complete)
            as complete_line_count,
        count(active_lines.order_line_id) filter (where active_lines.is_signed_complete)
            as signed_line_count,
        count(active_lines.order_line_id) filter (where active_lines.is_shipped_complete)
            as shipped_line_count,
        count(active_lines.order_line_id) filter (where active_lines.is_invoiced_complete)
            as invoiced_line_count,
        -- Signed and shipped quantities only grow: all lines reached them at the latest
        -- line's moment.
        max(active_lines.signed_completed_at) as last_line_signed_at,
        max(active_lines.shipped_completed_at) as last_line_shipped_at,
        max(active_lines.invoiced_completed_at) as last_line_invoiced_at,
        min(active_lines.first_signed_at) as first_signed_at,
        min(active_lines.first_shipped_at) as first_shipped_at,
        min(active_lines.first_invoiced_at) as first_invoiced_at
    from orders
    left join active_lines
        on orders.order_id = active_lines.order_id
    group by orders.order_id

),

order_invoicing as (

    -- Invoiced amounts over every line (a credit note on a cancelled line still counts).
    select
        order_lines.order_id,
        sum(order_lines.net_invoiced_amount_cny) as net_invoiced_amount_cny,
        sum(order_lines.net_invoiced_gross_amount_cny) as net_invoiced_gross_amount_cny,
        sum(order_lines.credit_note_count) as credit_note_count,
        count(*) filter (where order_lines.is_cancelled) as cancelled_line_count,
        count(*) as line_count
    from order_lines
    group by order_lines.order_id

),

order_moments as (

    -- How many active lines are complete after each moment of the order's history.
    select
        active_lines.order_id,
        line_moments.event_at,
        sum(line_moments.completion_delta) as completion_delta
    from line_moments
    inner join active_lines
        on line_moments.order_line_id = active_lines.order_line_id
    group by active_lines.order_id, line_moments.event_at

),

order_moments_counted as (

    select
        order_moments.order_id,
        order_moments.event_at,
        sum(order_moments.completion_delta) over (
            partition by order_moments.order_id
            order by order_moments.event_at
            rows between unbounded preceding and current row
        ) as complete_line_count
    from order_moments

),

first_all_complete as (

    select
        order_moments_counted.order_id,
        min(order_moments_counted.event_at) as first_all_complete_at
    from order_moments_counted
    inner join order_totals
        on order_moments_counted.order_id = order_totals.order_id
    where order_moments_counted.complete_line_count = order_totals.active_line_count
    group by order_moments_counted.order_id

),

final as (

    select
        order_totals.order_id,
        order_totals.active_line_count = 0 as is_cancelled,
        order_totals.active_line_count,
        order_invoicing.cancelled_line_count,
        order_totals.ordered_qty,
        order_totals.net_amount_cny,
        order_totals.gross_amount_cny,
        order_totals.signed_qty,
        order_totals.shipped_qty,
        order_totals.net_invoiced_qty,
        coalesce(order_invoicing.net_invoiced_amount_cny, 0) as net_invoiced_amount_cny,
        coalesce(order_invoicing.net_invoiced_gross_amount_cny, 0)
            as net_invoiced_gross_amount_cny,
        coalesce(order_invoicing.credit_note_count, 0) as credit_note_count,
        order_totals.active_line_count > 0
        and order_totals.complete_line_count = order_totals.active_line_count
            as is_delivered,
        case
            when order_totals.active_line_count > 0
                and order_totals.complete_line_count = order_totals.active_line_count
                then first_all_complete.first_all_complete_at
        end as delivered_at,
        -- Sales' view: the customer signed for everything.
        case
            when order_totals.active_line_count > 0
                and order_totals.signed_line_count = order_totals.active_line_count
                then order_totals.last_line_signed_at
        end as sales_completed_at,
        -- Logistics' view: everything left the warehouse.
        case
            when order_totals.active_line_count > 0
                and order_totals.shipped_line_count = order_totals.active_line_count
                then order_totals.last_line_shipped_at
        end as shipped_at,
        case
            when order_totals.active_line_count > 0
                and order_totals.invoiced_line_count = order_totals.active_line_count
                then order_totals.last_line_invoiced_at
        end as invoiced_completed_at,
        order_totals.first_signed_at,
        order_totals.first_shipped_at,
        order_totals.first_invoiced_at
    from order_totals
    left join order_invoicing
        on order_totals.order_id = order_invoicing.order_id
    left join first_all_complete
        on order_totals.order_id = first_all_complete.order_id

)

select * from final
