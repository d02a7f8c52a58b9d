-- How far apart the departments' completion rates are, per day and per month of promised
-- date: one row per period x view (anchor, sales, logistics, finance) with the orders
-- due, how many each view calls complete and on time, and the gap to the anchor in
-- percentage points. The spread is the largest minus the smallest on-time rate of the
-- period across views.
with

orders as (

    select
        order_id,
        promised_date,
        is_delivered,
        is_on_time,
        is_sales_complete,
        is_sales_on_time,
        is_logistics_complete,
        is_logistics_on_time,
        is_finance_complete,
        is_finance_on_time
    from {{ ref('fct_order_reconciliation') }}
    where is_otd_relevant

),

views as (

    select
        order_id,
        promised_date,
        'anchor' as view_code,
        0 as view_order,
        is_delivered as is_complete,
        is_on_time
    from orders
    union all
    select
        order_id,
        promised_date,
        'sales' as view_code,
        1 as view_order,
        is_sales_complete as is_complete,
        is_sales_on_time as is_on_time
    from orders
    union all
    select
        order_id,
        promised_date,
        'logistics' as view_code,
        2 as view_order,
        is_logistics_complete as is_complete,
        is_logistics_on_time as is_on_time
    from orders
    union all
    select
        order_id,
        promised_date,
        'finance' as view_code,
        3 as view_order,
        is_finance_complete as is_complete,
        is_finance_on_time as is_on_time
    from orders

),

periods as (

    select
        'day' as period_type,
        views.promised_date as period_start,
        views.*
    from views
    union all
    select
        'month' as period_type,
        {{ month_start('views.promised_date') }} as period_start,
        views.*
    from views

),

counted as (

    select
        period_type,
        period_start,
        view_code,
        view_order,
        count(*) as orders_due,
        count(*) filter (where is_complete) as orders_complete,
        count(*) filter (where is_on_time) as orders_on_time
    from periods
    group by period_type, period_start, view_code, view_order

),

rated as (

    select
        counted.*,
        {{ rate('orders_complete', 'orders_due') }} as completion_rate,
        {{ rate('orders_on_time', 'orders_due') }} as on_time_rate
    from counted

),

with_anchor as (

    select
        rated.*,
        max(case when rated.view_code = 'anchor' then rated.completion_rate end) over period
            as anchor_completion_rate,
        max(case when rated.view_code = 'anchor' then rated.on_time_rate end) over period
            as anchor_on_time_rate,
        max(rated.on_time_rate) over period - min(rated.on_time_rate) over period
            as on_time_spread
    from rated
    window period as (partition by rated.period_type, rated.period_start)

),

final as (

    select
        {{ concat_key(['period_type', 'period_start', 'view_code'], '|') }}
            as completion_rate_id,
        period_type,
        period_start,
        view_code,
        view_order,
        orders_due,
        orders_complete,
        orders_on_time,
        completion_rate,
        on_time_rate,
        round((completion_rate - anchor_completion_rate) * 100, 2) as completion_gap_pp,
        round((on_time_rate - anchor_on_time_rate) * 100, 2) as on_time_gap_pp,
        round(on_time_spread * 100, 2) as on_time_spread_pp
    from with_anchor

)

select * from final
