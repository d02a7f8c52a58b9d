{{ config(meta={'dagster': {'ref': {'name': 'kpi_period'}}}) }}
-- Every complaint and every delivery up to the as-of date lands in a kpi_daily row of the
-- plant's complaint rate, whatever day the other side fell on, and each month of
-- kpi_period counts exactly that month's complaints and deliveries (SPEC 5.6).
with

horizon as (

    select as_of_date from {{ ref('int_data_horizons_resolved') }}

),

complaints as (

    select
        {{ month_start('signals.signal_date') }} as month_start,
        count(*) as complaint_count
    from {{ ref('fct_signal_response') }} as signals
    cross join horizon
    where signals.is_complaint
        and signals.signal_date <= horizon.as_of_date
    group by {{ month_start('signals.signal_date') }}

),

deliveries as (

    select
        {{ month_start('orders.delivered_date') }} as month_start,
        count(*) as delivered_count
    from {{ ref('fct_order_delivery') }} as orders
    cross join horizon
    where orders.is_delivered
        and orders.delivered_date <= horizon.as_of_date
    group by {{ month_start('orders.delivered_date') }}

),

facts as (

    select
        coalesce(complaints.month_start, deliveries.month_start) as month_start,
        coalesce(complaints.complaint_count, 0) as complaint_count,
        coalesce(deliveries.delivered_count, 0) as delivered_count
    from complaints
    full outer join deliveries
        on complaints.month_start = deliveries.month_start

),

daily as (

    select
        {{ month_start('kpi_date') }} as month_start,
        sum(numerator) as complaint_count,
        sum(denominator) as delivered_count
    from {{ ref('kpi_daily') }}
    where kpi_code = 'complaint_rate'
        and scope_type = 'plant'
    group by {{ month_start('kpi_date') }}

),

monthly as (

    select
        period_start as month_start,
        numerator as complaint_count,
        denominator as delivered_count
    from {{ ref('kpi_period') }}
    where period_type = 'month'
        and is_latest
        and kpi_code = 'complaint_rate'
        and scope_type = 'plant'

)

select
    facts.month_start,
    facts.complaint_count,
    facts.delivered_count,
    daily.complaint_count as daily_complaints,
    daily.delivered_count as daily_deliveries,
    monthly.complaint_count as month_complaints,
    monthly.delivered_count as month_deliveries
from facts
left join daily
    on facts.month_start = daily.month_start
left join monthly
    on facts.month_start = monthly.month_start
where coalesce(daily.complaint_count, -1) <> facts.complaint_count
    or coalesce(daily.delivered_count, -1) <> facts.delivered_count
    or coalesce(monthly.complaint_count, -1) <> facts.complaint_count
    or coalesce(monthly.delivered_count, -1) <> facts.delivered_count
