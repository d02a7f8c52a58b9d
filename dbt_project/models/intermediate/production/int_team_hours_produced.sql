{{
    config(
        materialized='incremental',
        unique_key='team_hour_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Production per team per plant hour: produced and good units and the standard labour
-- hours the good units earned (good x the routing's labour standard for that line step).
-- Incremental: recomputes the hours from var('lookback_hours') before the newest one.
with

production_counts as (

    select
        machine_id,
        product_id,
        team_id,
        hour_at,
        produced_qty,
        good_qty
    from {{ ref('stg_mes__production_counts') }}
    where team_id is not null
    {% if is_incremental() -%}
        and hour_at >= {{ lookback_start() }}
    {%- endif %}

),

equipment as (

    select
        machine_id,
        line_id
    from {{ ref('stg_mes__equipment') }}

),

routings as (

    select
        product_id,
        line_id,
        standard_labour_hours_per_unit
    from {{ ref('stg_mes__routings') }}

),

counts_with_standards as (

    select
        production_counts.team_id,
        {{ plant_hour_start('production_counts.hour_at') }} as hour_at,
        production_counts.produced_qty,
        production_counts.good_qty,
        production_counts.good_qty * coalesce(routings.standard_labour_hours_per_unit, 0)
            as standard_hours_earned
    from production_counts
    left join equipment
        on production_counts.machine_id = equipment.machine_id
    left join routings
        on production_counts.product_id = routings.product_id
        and equipment.line_id = routings.line_id

),

final as (

    select
        {{ concat_key(['team_id', timestamp_key('hour_at')], '@') }} as team_hour_id,
        team_id,
        hour_at,
        sum(produced_qty) as produced_qty,
        sum(good_qty) as good_qty,
        cast(sum(standard_hours_earned) as double) as standard_hours_earned
    from counts_with_standards
    group by team_id, hour_at

)

select * from final
