{#- Tagged signals: the alert rules read it, so the signals micro-batch brings it up to its
    moment (docs/operations.md). -#}
{{
    config(
        tags=['signals'],
        materialized=incremental_materialization(),
        unique_key='team_hour_id',
        incremental_strategy='replace_window',
        window_column='hour_at',
        on_schema_change='fail',
    )
}}
-- Quality per team per plant hour: units first-inspected and passed at first inspection
-- (QMS inspection_type 'first'), and units reworked - counted in the hour and team of the
-- first inspection that found the defect, so rework lines up with the units produced.
-- Incremental: recomputes whole the plant hours touched by the inspections staged since its
-- last build (where each is and where the version it replaced was) and the hours of the
-- inspections whose defects or rework orders were extracted since (macros/incremental.sql).
with

{% if is_incremental() -%}
inspections_brought as (

    {{ brought_since(ref('stg_qms__inspections')) }}

),

defect_inspections_brought as (

    -- A rework order or defect that arrives late still counts at its inspection's hour.
    select defects_seen.inspection_id
    from {{ ref('stg_qms__defects') }} as defects_seen
    left join {{ ref('stg_qms__rework_orders') }} as rework_seen
        on defects_seen.defect_id = rework_seen.defect_id
    where defects_seen._extracted_at > {{ consumed_through('_extracted_through_at') }}
        or rework_seen._extracted_at > {{ consumed_through('_extracted_through_at') }}

),

hours_to_recompute as (

    select distinct {{ plant_hour_start('inspections_brought.inspected_at') }} as hour_at
    from inspections_brought
    union
    select distinct {{ plant_hour_start('inspections_brought._replaced_inspected_at') }}
        as hour_at
    from inspections_brought
    where inspections_brought._replaced_inspected_at is not null
    union
    select distinct {{ plant_hour_start('inspections_held.inspected_at') }} as hour_at
    from {{ ref('stg_qms__inspections') }} as inspections_held
    inner join defect_inspections_brought
        on inspections_held.inspection_id = defect_inspections_brought.inspection_id

),

{% endif -%}
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
        -- The range first (cheap on a table appended in time order), then the hours.
        and inspected_at >= (select min(hours_to_recompute.hour_at) from hours_to_recompute)
        and {{ plant_hour_start('inspected_at') }} in (
            select hours_to_recompute.hour_at from hours_to_recompute
        )
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
        sum(reworked_qty) as reworked_qty,
        -- What this build had consumed: where the next build starts.
        (
            select max(staged._staged_at)
            from {{ ref('stg_qms__inspections') }} as staged
        ) as _staged_through_at,
        greatest(
            (
                select max(defects_seen._extracted_at)
                from {{ ref('stg_qms__defects') }} as defects_seen
            ),
            (
                select max(rework_seen._extracted_at)
                from {{ ref('stg_qms__rework_orders') }} as rework_seen
            )
        ) as _extracted_through_at
    from unioned
    group by team_id, hour_at
    {{ recomputed_hours_marked(
        'hours_to_recompute',
        'team_hour_id',
        ['team_id', 'hour_at', 'first_inspected_qty', 'first_passed_qty', 'reworked_qty',
            '_staged_through_at', '_extracted_through_at'],
    ) }}

)

select * from final
