{{ config(meta={'dagster': {'ref': {'name': 'kpi_daily'}}}) }}
-- The plant OTD rows of kpi_daily count exactly the OTD-relevant orders of
-- fct_order_delivery (promised by the as-of date, not cancelled) and their on-time ones.
with

kpi as (

    select
        sum(numerator) as on_time_orders,
        sum(denominator) as due_orders
    from {{ ref('kpi_daily') }}
    where kpi_code = 'otd_rate'
        and scope_type = 'plant'

),

orders as (

    select
        count(*) filter (where is_on_time) as on_time_orders,
        count(*) as due_orders
    from {{ ref('fct_order_delivery') }}
    where is_otd_relevant

)

select
    kpi.on_time_orders as kpi_on_time,
    orders.on_time_orders as fact_on_time,
    kpi.due_orders as kpi_due,
    orders.due_orders as fact_due
from kpi
cross join orders
where coalesce(kpi.on_time_orders, 0) <> orders.on_time_orders
    or coalesce(kpi.due_orders, 0) <> orders.due_orders
