{{ config(meta={'dagster': {'ref': {'name': 'fct_team_quality_hourly'}}}) }}
-- Every unit MES counted for a team is in fct_team_quality_hourly, once.
with

mes as (

    select coalesce(sum(produced_qty), 0) as produced_qty
    from {{ ref('stg_mes__production_counts') }}
    where team_id is not null

),

hourly as (

    select coalesce(sum(produced_qty), 0) as produced_qty
    from {{ ref('fct_team_quality_hourly') }}

)

select
    mes.produced_qty as mes_produced,
    hourly.produced_qty as hourly_produced
from mes
cross join hourly
where mes.produced_qty <> hourly.produced_qty
