{{
    config(
        materialized=incremental_materialization(),
        unique_key='team_hour_id',
        incremental_strategy='replace_window',
        window_column='hour_at',
        on_schema_change='fail',
    )
}}
-- Production per team per plant hour: produced and good units and the standard labour
-- hours the good units earned (good x the routing's labour standard for that line step).
-- Incremental: recomputes whole the plant hours that the counts staged since its last build
-- touch, where each count is and where the version it replaced was, and every hour of a
-- machine or product whose line or labour standard was extracted since (a changed machine,
-- or one released from quarantine after its counts were built: macros/incremental.sql).
with

{% if is_incremental() -%}
counts_brought as (

    {{ brought_since(ref('stg_mes__production_counts')) }}

),

-- Standards extracted after the last build's start: `_staged_through_at` is that start
-- when it staged counts, earlier otherwise (then these hours are recomputed once more).
machines_restandardized as (

    select equipment_brought.machine_id
    from {{ ref('stg_mes__equipment') }} as equipment_brought
    where equipment_brought._extracted_at > {{ consumed_through('_staged_through_at') }}

),

products_restandardized as (

    select routings_brought.product_id
    from {{ ref('stg_mes__routings') }} as routings_brought
    where routings_brought._extracted_at > {{ consumed_through('_staged_through_at') }}

),

hours_to_recompute as (

    select distinct {{ plant_hour_start('counts_brought.hour_at') }} as hour_at
    from counts_brought
    union
    select distinct {{ plant_hour_start('counts_brought._replaced_hour_at') }} as hour_at
    from counts_brought
    where counts_brought._replaced_hour_at is not null
    union
    select distinct {{ plant_hour_start('counts_held.hour_at') }} as hour_at
    from {{ ref('stg_mes__production_counts') }} as counts_held
    where counts_held.machine_id in (
        select machines_restandardized.machine_id from machines_restandardized
    )
        or counts_held.product_id in (
            select products_restandardized.product_id from products_restandardized
        )

),

{% endif -%}
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
        -- The range first (cheap on a table appended in time order), then the hours.
        and hour_at >= (select min(hours_to_recompute.hour_at) from hours_to_recompute)
        and {{ plant_hour_start('hour_at') }} in (
            select hours_to_recompute.hour_at from hours_to_recompute
        )
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
        cast(sum(standard_hours_earned) as double) as standard_hours_earned,
        -- The newest staging stamp this build had consumed: where the next build starts.
        (
            select max(staged._staged_at)
            from {{ ref('stg_mes__production_counts') }} as staged
        ) as _staged_through_at
    from counts_with_standards
    group by team_id, hour_at
    {{ recomputed_hours_marked(
        'hours_to_recompute',
        'team_hour_id',
        ['team_id', 'hour_at', 'produced_qty', 'good_qty', 'standard_hours_earned',
            '_staged_through_at'],
    ) }}

)

select * from final
