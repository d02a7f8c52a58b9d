{{
    config(
        materialized='incremental',
        unique_key='team_hour_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Quality per team per plant hour: units first-inspected and passed at first inspection
-- (QMS inspection_type 'first'), and units reworked - counted in the hour and team of the
-- first inspection that found the defect, so rework lines up with the units produced.
-- Incremental: recomputes the hours from var('lookback_hours') before the newest one.
with

inspections as (

    select
        inspection_id,
        team_id,
        inspected_at,
        inspection_type,
        inspected_qty,
        passed_qty
    from {{ ref('stg_qms__inspections') }}
    where team_id is not null
    {% if is_incremental() -%}
        and inspected_at >= {{ lookback_start() }}
    {%- endif %}

),

defects as (

    select
        defect_id,
        inspection_id
    from {{ ref('stg_qms__defects') }}

),

rework_orders as (

    select
        rework_id,
        defect_id,
        team_id,
        reworked_qty,
        started_at
    from {{ ref('stg_qms__rework_orders') }}

),

first_inspections as (

    select
        inspections.team_id,
        {{ plant_hour_start('inspections.inspected_at') }} as hour_at,
        inspections.inspected_qty,
        inspections.passed_qty
    from inspections
    where inspections.inspection_type = 'first'

),

rework_at_inspection as (

    select
        inspections.team_id,
        {{ plant_hour_start('inspections.inspected_at') }} as hour_at,
        rework_orders.reworked_qty
    from rework_orders
    inner join defects
        on rework_orders.defect_id = defects.defect_id
    inner join inspections
        on defects.inspection_id = inspections.inspection_id

),

unioned as (

    select
        first_inspections.team_id,
        first_inspections.hour_at,
        first_inspections.inspected_qty as first_inspected_qty,
        first_inspections.passed_qty as first_passed_qty,
        0 as reworked_qty
    from first_inspections

    union all

    select
        rework_at_inspection.team_id,
        rework_at_inspection.hour_at,
        0 as first_inspected_qty,
        0 as first_passed_qty,
        rework_at_inspection.reworked_qty
    from rework_at_inspection

),

final as (

    select
        {{ concat_key(['team_id', timestamp_key('hour_at')], '@') }} as team_hour_id,
        team_id,
        hour_at,
        sum(first_inspected_qty) as first_inspected_qty,
        sum(first_passed_qty) as first_passed_qty,
        sum(reworked_qty) as reworked_qty
    from unioned
    group by team_id, hour_at

)

select * from final
