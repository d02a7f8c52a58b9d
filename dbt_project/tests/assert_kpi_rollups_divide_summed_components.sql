{{ config(meta={'dagster': {'ref': {'name': 'kpi_daily'}}}) }}
-- Plant first-pass yield per day equals the summed team-hour components divided once (not
-- an average of team or hour rates).
with

components as (

    select
        hour_date,
        sum(first_passed_qty) as first_passed_qty,
        sum(first_inspected_qty) as first_inspected_qty
    from {{ ref('fct_team_quality_hourly') }}
    group by hour_date

),

kpi as (

    select
        kpi_date,
        value
    from {{ ref('kpi_daily') }}
    where kpi_code = 'first_pass_yield'
        and scope_type = 'plant'

)

select
    kpi.kpi_date,
    kpi.value,
    components.first_passed_qty,
    components.first_inspected_qty
from kpi
inner join components
    on kpi.kpi_date = components.hour_date
where abs(kpi.value - cast(components.first_passed_qty as double) / components.first_inspected_qty)
    > 0.000001
