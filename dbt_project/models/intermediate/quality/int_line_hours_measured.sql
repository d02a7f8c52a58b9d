{{
    config(
        materialized=incremental_materialization(),
        unique_key='line_hour_id',
        incremental_strategy='replace_window',
        window_column='hour_at',
        on_schema_change='fail',
    )
}}
-- Line measures per line per plant hour, against the per-line thresholds (SPEC 5.3):
-- welding = coefficient of variation of weld strength; painting = VOC readings over their
-- upper limit.
-- Incremental: recomputes whole the plant hours that the measures staged since its last
-- build touch, where each measure is and where the version it replaced was
-- (macros/incremental.sql).
with

{% if is_incremental() -%}
measures_brought as (

    {{ brought_since(ref('stg_qms__line_measures')) }}

),

hours_to_recompute as (

    select distinct {{ plant_hour_start('measures_brought.measured_at') }} as hour_at
    from measures_brought
    union
    select distinct {{ plant_hour_start('measures_brought._replaced_measured_at') }} as hour_at
    from measures_brought
    where measures_brought._replaced_measured_at is not null

),

{% endif -%}
line_measures as (

    select
        line_id,
        measured_at,
        measure_type,
        measured_value,
        upper_limit
    from {{ ref('stg_qms__line_measures') }}
    {% if is_incremental() -%}
    -- The range first (cheap on a table appended in time order), then the hours.
    where measured_at >= (select min(hours_to_recompute.hour_at) from hours_to_recompute)
        and {{ plant_hour_start('measured_at') }} in (
            select hours_to_recompute.hour_at from hours_to_recompute
        )
    {%- endif %}

),

thresholds as (

    select
        line_id,
        measure,
        threshold
    from {{ ref('int_line_thresholds_resolved') }}

),

per_hour as (

    select
        line_measures.line_id,
        {{ plant_hour_start('line_measures.measured_at') }} as hour_at,
        count(*) filter (where line_measures.measure_type = 'weld_strength')
            as weld_strength_readings,
        {{ coefficient_of_variation(
            "case when line_measures.measure_type = 'weld_strength'"
            ~ " then line_measures.measured_value end"
        ) }} as weld_strength_cv,
        count(*) filter (where line_measures.measure_type = 'voc') as voc_readings,
        count(*) filter (
            where line_measures.measure_type = 'voc'
            and line_measures.measured_value > line_measures.upper_limit
        ) as voc_over_limit_count
    from line_measures
    group by line_measures.line_id, {{ plant_hour_start('line_measures.measured_at') }}

),

with_thresholds as (

    select
        per_hour.*,
        coalesce(weld_line.threshold, weld_any.threshold) as weld_strength_cv_threshold,
        coalesce(voc_line.threshold, voc_any.threshold) as voc_over_limit_threshold
    from per_hour
    left join thresholds as weld_line
        on per_hour.line_id = weld_line.line_id
        and weld_line.measure = 'weld_strength_cv'
    left join thresholds as weld_any
        on weld_any.line_id = '*'
        and weld_any.measure = 'weld_strength_cv'
    left join thresholds as voc_line
        on per_hour.line_id = voc_line.line_id
        and voc_line.measure = 'voc_over_limit_count'
    left join thresholds as voc_any
        on voc_any.line_id = '*'
        and voc_any.measure = 'voc_over_limit_count'

),

final as (

    select
        {{ concat_key(['line_id', timestamp_key('hour_at')], '@') }} as line_hour_id,
        line_id,
        hour_at,
        weld_strength_readings,
        round(cast(weld_strength_cv as double), 6) as weld_strength_cv,
        weld_strength_cv_threshold,
        voc_readings,
        voc_over_limit_count,
        voc_over_limit_threshold,
        -- At or above the line's (red) threshold is a breach (docs/sources/excel.md).
        coalesce(weld_strength_cv >= weld_strength_cv_threshold, false)
        or (voc_readings > 0 and voc_over_limit_count >= voc_over_limit_threshold)
            as is_threshold_breached,
        -- The newest staging stamp this build had consumed: where the next build starts.
        (
            select max(staged._staged_at)
            from {{ ref('stg_qms__line_measures') }} as staged
        ) as _staged_through_at
    from with_thresholds
    {{ recomputed_hours_marked(
        'hours_to_recompute',
        'line_hour_id',
        ['line_id', 'hour_at', 'weld_strength_readings', 'weld_strength_cv',
            'weld_strength_cv_threshold', 'voc_readings', 'voc_over_limit_count',
            'voc_over_limit_threshold', 'is_threshold_breached', '_staged_through_at'],
    ) }}

)

select * from final
