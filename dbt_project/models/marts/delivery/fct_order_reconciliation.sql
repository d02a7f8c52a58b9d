-- One row per sales order: the anchor beside each department's idea of "complete" (sales
-- = customer signed everything, logistics = everything shipped out, finance = paid in
-- full), whether each view agrees with the anchor on done / not done, on-time against
-- the same promise, and the plant dates - the "43 % apart" problem, order by order.
with

orders as (

    select
        order_id,
        customer_id,
        promised_date,
        is_cancelled,
        is_otd_relevant,
        is_delivered,
        delivered_at,
        delivered_date,
        is_on_time,
        sales_completed_at,
        shipped_at,
        paid_at
    from {{ ref('fct_order_delivery') }}

),

views_dated as (

    select
        orders.*,
        {{ to_plant_date('orders.sales_completed_at') }} as sales_completed_date,
        {{ to_plant_date('orders.shipped_at') }} as shipped_date,
        {{ to_plant_date('orders.paid_at') }} as paid_date
    from orders

),

compared as (

    select
        views_dated.*,
        views_dated.sales_completed_at is not null as is_sales_complete,
        views_dated.shipped_at is not null as is_logistics_complete,
        views_dated.paid_at is not null as is_finance_complete,
        coalesce(views_dated.sales_completed_date <= views_dated.promised_date, false)
            as is_sales_on_time,
        coalesce(views_dated.shipped_date <= views_dated.promised_date, false)
            as is_logistics_on_time,
        coalesce(views_dated.paid_date <= views_dated.promised_date, false)
            as is_finance_on_time
    from views_dated

),

final as (

    select
        order_id,
        customer_id,
        promised_date,
        is_cancelled,
        is_otd_relevant,
        is_delivered,
        delivered_at,
        delivered_date,
        is_on_time,
        sales_completed_at,
        sales_completed_date,
        is_sales_complete,
        is_sales_on_time,
        shipped_at,
        shipped_date,
        is_logistics_complete,
        is_logistics_on_time,
        paid_at,
        paid_date,
        is_finance_complete,
        is_finance_on_time,
        is_sales_complete <> is_delivered as is_sales_status_disagreeing,
        is_logistics_complete <> is_delivered as is_logistics_status_disagreeing,
        is_finance_complete <> is_delivered as is_finance_status_disagreeing,
        is_sales_on_time <> is_on_time as is_sales_on_time_disagreeing,
        is_logistics_on_time <> is_on_time as is_logistics_on_time_disagreeing,
        is_finance_on_time <> is_on_time as is_finance_on_time_disagreeing,
        {{ days_between('delivered_date', 'sales_completed_date') }} as sales_days_vs_anchor,
        {{ days_between('delivered_date', 'shipped_date') }} as logistics_days_vs_anchor,
        {{ days_between('delivered_date', 'paid_date') }} as finance_days_vs_anchor,
        case
            when is_cancelled then 'cancelled'
            when is_sales_complete = is_delivered
                and is_logistics_complete = is_delivered
                and is_finance_complete = is_delivered
                and is_sales_on_time = is_on_time
                and is_logistics_on_time = is_on_time
                and is_finance_on_time = is_on_time
                then 'all_agree'
            when is_sales_complete and not is_delivered then 'signed_not_invoiced'
            when is_logistics_complete and not is_sales_complete then 'shipped_not_signed'
            when is_delivered and not is_finance_complete then 'delivered_not_paid'
            when is_sales_on_time and not is_on_time then 'on_time_for_sales_only'
            else 'other_disagreement'
        end as reconciliation_status
    from compared

)

select * from final
