-- One row per sales order: the unified delivery anchor, the promise it is measured
-- against, on-time status, the points pool, and the departmental views beside it.
with

sale_orders as (

    select
        order_id,
        customer_id,
        order_date,
        department_id,
        salesperson_id,
        contract_number,
        is_urgent
    from {{ ref('stg_erp__sale_orders') }}

),

orders_delivered as (

    select * from {{ ref('int_orders_delivered') }}

),

orders_paid as (

    select
        order_id,
        paid_at,
        received_amount_cny
    from {{ ref('int_orders_paid') }}

),

promises as (

    select
        order_id,
        first_committed_date,
        promised_date,
        erp_promised_date,
        customer_change_count,
        plant_change_count
    from {{ ref('int_order_promises_resolved') }}

),

-- Key rush orders (SPEC 9.2): the pool's factor from weight_rules, 1 for other orders.
pool_multipliers as (

    select
        order_id,
        is_key_rush_order,
        pool_multiplier
    from {{ ref('int_order_pool_multipliers_resolved') }}

),

horizon as (

    select as_of_date from {{ ref('int_data_horizons_resolved') }}

),

joined as (

    select
        sale_orders.order_id,
        sale_orders.customer_id,
        sale_orders.order_date,
        sale_orders.department_id,
        sale_orders.salesperson_id,
        sale_orders.contract_number,
        coalesce(sale_orders.is_urgent, false) as is_urgent,
        promises.first_committed_date,
        promises.promised_date,
        promises.erp_promised_date,
        promises.customer_change_count,
        promises.plant_change_count,
        orders_delivered.is_cancelled,
        orders_delivered.is_delivered,
        orders_delivered.delivered_at,
        {{ to_plant_date('orders_delivered.delivered_at') }} as delivered_date,
        orders_delivered.active_line_count,
        orders_delivered.cancelled_line_count,
        orders_delivered.ordered_qty,
        orders_delivered.signed_qty,
        orders_delivered.shipped_qty,
        orders_delivered.net_invoiced_qty,
        orders_delivered.net_amount_cny,
        orders_delivered.gross_amount_cny,
        orders_delivered.net_invoiced_amount_cny,
        orders_delivered.net_invoiced_gross_amount_cny,
        orders_delivered.credit_note_count,
        orders_delivered.sales_completed_at,
        orders_delivered.shipped_at,
        orders_delivered.invoiced_completed_at,
        orders_paid.paid_at,
        orders_paid.received_amount_cny,
        coalesce(pool_multipliers.is_key_rush_order, false) as is_key_rush_order,
        coalesce(pool_multipliers.pool_multiplier, 1) as pool_multiplier,
        horizon.as_of_date
    from sale_orders
    inner join orders_delivered
        on sale_orders.order_id = orders_delivered.order_id
    inner join promises
        on sale_orders.order_id = promises.order_id
    left join orders_paid
        on sale_orders.order_id = orders_paid.order_id
    left join pool_multipliers
        on sale_orders.order_id = pool_multipliers.order_id
    cross join horizon

),

classified as (

    select
        joined.*,
        joined.is_delivered and joined.delivered_date <= joined.promised_date as is_on_time,
        not joined.is_delivered
        and not joined.is_cancelled
        and joined.promised_date <= joined.as_of_date as is_past_due
    from joined

),

final as (

    select
        order_id,
        customer_id,
        order_date,
        department_id,
        salesperson_id,
        contract_number,
        is_urgent,
        promised_date,
        first_committed_date,
        erp_promised_date,
        customer_change_count,
        plant_change_count,
        delivered_at,
        delivered_date,
        is_delivered,
        is_on_time,
        is_cancelled,
        is_past_due,
        case
            when is_cancelled then 'cancelled'
            when is_on_time then 'on_time'
            when is_delivered then 'late'
            when is_past_due then 'past_due'
            else 'open'
        end as delivery_status,
        -- Counted in OTD (SPEC 5.1): promised by the as-of date and not cancelled.
        not is_cancelled and promised_date <= as_of_date as is_otd_relevant,
        case
            -- days_between: a whole number of days on both engines (Spark's date - date
            -- is an interval).
            when is_delivered then {{ days_between('promised_date', 'delivered_date') }}
            when is_past_due then {{ days_between('promised_date', 'as_of_date') }}
        end as days_late,
        active_line_count,
        cancelled_line_count,
        ordered_qty,
        signed_qty,
        shipped_qty,
        net_invoiced_qty,
        net_amount_cny,
        gross_amount_cny,
        net_invoiced_amount_cny,
        net_invoiced_gross_amount_cny,
        received_amount_cny,
        credit_note_count,
        is_key_rush_order,
        pool_multiplier,
        case
            when is_delivered
                then cast(
                        round(net_amount_cny / 1000.0 * {{ var('points_multiplier', 1) }}, 4)
                        as decimal(18, 4)
                    )
        end as base_points_pool,
        -- The one place the pool is computed: fct_order_contribution splits this value, so
        -- a key rush order's multiplied pool is conserved to the last 0.0001 (SPEC 5.2).
        case
            when is_delivered
                -- Multiplied in decimals (base and factor exact to 4 places), rounded once:
                -- no binary-float halfway case moves a pool by 0.0001.
                then cast(
                        round(
                            cast(
                                round(
                                    net_amount_cny / 1000.0 * {{ var('points_multiplier', 1) }}, 4
                                ) as decimal(18, 4)
                            )
                            * cast(pool_multiplier as decimal(18, 4)),
                            4
                        )
                        as decimal(18, 4)
                    )
        end as points_pool,
        sales_completed_at,
        shipped_at,
        invoiced_completed_at,
        paid_at
    from classified

)

select * from final
