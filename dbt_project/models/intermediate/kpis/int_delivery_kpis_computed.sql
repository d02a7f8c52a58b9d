-- Delivery KPIs per plant date: OTD (SPEC 5.1) by promised date, plant and sales
-- department; complaint rate (SPEC 5.6) = complaints opened / orders delivered that day.
-- A day with complaints and no delivery (or deliveries and no complaint) still has its row,
-- with a null value when nothing was delivered, so a week or a month that sums the days
-- counts every complaint and every delivery.
with

orders as (

    select
        order_id,
        department_id,
        promised_date,
        delivered_date,
        is_delivered,
        is_on_time,
        is_otd_relevant
    from {{ ref('fct_order_delivery') }}

),

signals as (

    select
        signal_id,
        signal_date,
        is_complaint
    from {{ ref('fct_signal_response') }}

),

otd_by_plant as (

    select
        orders.promised_date as kpi_date,
        'plant' as scope_type,
        '{{ var("plant_id") }}' as scope_id,
        'otd_rate' as kpi_code,
        count(*) filter (where orders.is_on_time) as numerator,
        count(*) as denominator
    from orders
    where orders.is_otd_relevant
    group by orders.promised_date

),

otd_by_department as (

    select
        orders.promised_date as kpi_date,
        'department' as scope_type,
        orders.department_id as scope_id,
        'otd_rate' as kpi_code,
        count(*) filter (where orders.is_on_time) as numerator,
        count(*) as denominator
    from orders
    where orders.is_otd_relevant
        and orders.department_id is not null
    group by orders.promised_date, orders.department_id

),

complaints_per_day as (

    select
        signals.signal_date as kpi_date,
        count(*) as complaint_count
    from signals
    where signals.is_complaint
    group by signals.signal_date

),

deliveries_per_day as (

    select
        orders.delivered_date as kpi_date,
        count(*) as delivered_count
    from orders
    where orders.is_delivered
    group by orders.delivered_date

),

complaint_rate as (

    select
        coalesce(deliveries_per_day.kpi_date, complaints_per_day.kpi_date) as kpi_date,
        'plant' as scope_type,
        '{{ var("plant_id") }}' as scope_id,
        'complaint_rate' as kpi_code,
        coalesce(complaints_per_day.complaint_count, 0) as numerator,
        coalesce(deliveries_per_day.delivered_count, 0) as denominator
    from deliveries_per_day
    full outer join complaints_per_day
        on deliveries_per_day.kpi_date = complaints_per_day.kpi_date

),

unioned as (

    select * from otd_by_plant
    union all
    select * from otd_by_department
    union all
    select * from complaint_rate

),

final as (

    select
        kpi_date,
        scope_type,
        scope_id,
        kpi_code,
        round(cast(numerator as double), 6) as numerator,
        round(cast(denominator as double), 6) as denominator,
        {{ rate('numerator', 'denominator') }} as kpi_value,
        -- Where the counted rows are: filter the fact by kpi_date (see docs/definitions.md).
        case
            when kpi_code = 'otd_rate' then 'fct_order_delivery'
            else 'fct_order_delivery, fct_signal_response'
        end as source_model
    from unioned
    where denominator > 0
        or numerator > 0

)

select * from final
