-- One row per sales order line with its totals and the first moment each view of
-- "complete" held for it: signed (sales), shipped (logistics), invoiced, and the anchor
-- (signed and invoiced together).
with

order_lines as (

    select
        order_line_id,
        order_id,
        line_no,
        product_id,
        ordered_qty,
        net_amount_cny,
        gross_amount_cny,
        is_cancelled
    from {{ ref('stg_erp__sale_order_lines') }}

),

line_moments as (

    select
        order_line_id,
        event_at,
        signed_qty_delta,
        invoiced_qty_delta,
        shipped_qty_delta,
        invoiced_net_amount_cny_to_date,
        invoiced_gross_amount_cny_to_date,
        is_signed_complete,
        is_invoiced_complete,
        is_shipped_complete,
        is_complete
    from {{ ref('int_order_line_quantities_accumulated') }}

),

line_totals as (

    select
        order_line_id,
        sum(signed_qty_delta) as signed_qty,
        sum(invoiced_qty_delta) as net_invoiced_qty,
        sum(shipped_qty_delta) as shipped_qty,
        max(invoiced_net_amount_cny_to_date) filter (
            where event_at = last_event_at
        ) as net_invoiced_amount_cny,
        max(invoiced_gross_amount_cny_to_date) filter (
            where event_at = last_event_at
        ) as net_invoiced_gross_amount_cny,
        min(event_at) filter (where is_signed_complete) as signed_completed_at,
        min(event_at) filter (where is_shipped_complete) as shipped_completed_at,
        min(event_at) filter (where is_invoiced_complete) as invoiced_completed_at,
        min(event_at) filter (where is_complete) as first_completed_at,
        min(event_at) filter (where signed_qty_delta > 0) as first_signed_at,
        min(event_at) filter (where shipped_qty_delta > 0) as first_shipped_at,
        min(event_at) filter (where invoiced_qty_delta > 0) as first_invoiced_at,
        count(*) filter (where invoiced_qty_delta < 0) as credit_note_moments
    from (
        select
            line_moments.*,
            max(line_moments.event_at) over (
                partition by line_moments.order_line_id
            ) as last_event_at
        from line_moments
    ) as moments_with_last
    group by order_line_id

),

final as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.line_no,
        order_lines.product_id,
        order_lines.ordered_qty,
        order_lines.net_amount_cny,
        order_lines.gross_amount_cny,
        order_lines.is_cancelled,
        coalesce(line_totals.signed_qty, 0) as signed_qty,
        coalesce(line_totals.net_invoiced_qty, 0) as net_invoiced_qty,
        coalesce(line_totals.shipped_qty, 0) as shipped_qty,
        coalesce(line_totals.net_invoiced_amount_cny, 0) as net_invoiced_amount_cny,
        coalesce(line_totals.net_invoiced_gross_amount_cny, 0) as net_invoiced_gross_amount_cny,
        coalesce(line_totals.credit_note_moments, 0) as credit_note_count,
        coalesce(line_totals.signed_qty, 0) >= order_lines.ordered_qty as is_signed_complete,
        coalesce(line_totals.shipped_qty, 0) >= order_lines.ordered_qty as is_shipped_complete,
        coalesce(line_totals.net_invoiced_qty, 0) >= order_lines.ordered_qty
            as is_invoiced_complete,
        coalesce(line_totals.signed_qty, 0) >= order_lines.ordered_qty
        and coalesce(line_totals.net_invoiced_qty, 0) >= order_lines.ordered_qty
            as is_complete,
        line_totals.signed_completed_at,
        line_totals.shipped_completed_at,
        line_totals.invoiced_completed_at,
        line_totals.first_completed_at,
        line_totals.first_signed_at,
        line_totals.first_shipped_at,
        line_totals.first_invoiced_at
    from order_lines
    left join line_totals
        on order_lines.order_line_id = line_totals.order_line_id

)

select * from final
