-- Running signed, net invoiced and shipped quantity of every sales order line at each
-- moment something happened to it, and whether the line was complete (SPEC 5.1: signed
-- >= ordered and net invoiced >= ordered) right after that moment.
with

order_lines as (

    select
        order_line_id,
        order_id,
        line_no,
        ordered_qty,
        is_cancelled
    from {{ ref('stg_erp__sale_order_lines') }}

),

line_events as (

    select
        order_line_id,
        event_at,
        signed_qty_delta,
        invoiced_qty_delta,
        shipped_qty_delta,
        invoiced_net_amount_cny_delta,
        invoiced_gross_amount_cny_delta
    from {{ ref('int_order_line_events_unioned') }}

),

events_per_moment as (

    -- Events at the same instant count as one step: a signature and an invoice audited in
    -- the same second complete the line together.
    select
        order_line_id,
        event_at,
        sum(signed_qty_delta) as signed_qty_delta,
        sum(invoiced_qty_delta) as invoiced_qty_delta,
        sum(shipped_qty_delta) as shipped_qty_delta,
        sum(invoiced_net_amount_cny_delta) as invoiced_net_amount_cny_delta,
        sum(invoiced_gross_amount_cny_delta) as invoiced_gross_amount_cny_delta
    from line_events
    group by order_line_id, event_at

),

accumulated as (

    select
        events_per_moment.order_line_id,
        events_per_moment.event_at,
        events_per_moment.signed_qty_delta,
        events_per_moment.invoiced_qty_delta,
        events_per_moment.shipped_qty_delta,
        sum(events_per_moment.signed_qty_delta) over line_history as signed_qty_to_date,
        sum(events_per_moment.invoiced_qty_delta) over line_history as invoiced_qty_to_date,
        sum(events_per_moment.shipped_qty_delta) over line_history as shipped_qty_to_date,
        sum(events_per_moment.invoiced_net_amount_cny_delta) over line_history
            as invoiced_net_amount_cny_to_date,
        sum(events_per_moment.invoiced_gross_amount_cny_delta) over line_history
            as invoiced_gross_amount_cny_to_date
    from events_per_moment
    window line_history as (
        partition by events_per_moment.order_line_id
        order by events_per_moment.event_at
        rows between unbounded preceding and current row
    )

),

joined_to_lines as (

    select
        accumulated.order_line_id,
        order_lines.order_id,
        order_lines.line_no,
        order_lines.ordered_qty,
        order_lines.is_cancelled,
        accumulated.event_at,
        accumulated.signed_qty_delta,
        accumulated.invoiced_qty_delta,
        accumulated.shipped_qty_delta,
        accumulated.signed_qty_to_date,
        accumulated.invoiced_qty_to_date,
        accumulated.shipped_qty_to_date,
        accumulated.invoiced_net_amount_cny_to_date,
        accumulated.invoiced_gross_amount_cny_to_date,
        accumulated.signed_qty_to_date >= order_lines.ordered_qty as is_signed_complete,
        accumulated.invoiced_qty_to_date >= order_lines.ordered_qty as is_invoiced_complete,
        accumulated.shipped_qty_to_date >= order_lines.ordered_qty as is_shipped_complete
    from accumulated
    inner join order_lines
        on accumulated.order_line_id = order_lines.order_line_id

),

final as (

    select
        {{ concat_key(['order_line_id', timestamp_key('event_at')], '@') }}
            as order_line_moment_id,
        *,
        is_signed_complete and is_invoiced_complete as is_complete,
        -- +1 when the line turns complete at this moment, -1 when a credit note breaks it.
        case
            when (is_signed_complete and is_invoiced_complete)
                and not coalesce(lag(is_signed_complete and is_invoiced_complete) over (
                    partition by order_line_id order by event_at
                ), false)
                then 1
            when not (is_signed_complete and is_invoiced_complete)
                and coalesce(lag(is_signed_complete and is_invoiced_complete) over (
                    partition by order_line_id order by event_at
                ), false)
                then -1
            else 0
        end as completion_delta
    from joined_to_lines

)

select * from final
