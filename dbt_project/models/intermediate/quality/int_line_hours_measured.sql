{{
    config(
        materialized='incremental',
        unique_key='line_hour_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Line measures per line per plant hour, against the per-line thresholds (SPEC 5.3):
-- welding = coefficient of variation of weld strength; painting = VOC readings over their
-- upper limit.
-- Incremental: recomputes the hours from var('lookback_hours') before the newest one.
with

line_measures as (

    select
        line_id,
        measured_at,
        measure_type,
        measured_value,
        upper_limit
    from {{ ref('stg_qms__line_measures') }}
    {% if is_incremental() -%}
        where measured_at >= {{ lookback_start() }}
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
            as is_threshold_breached
    from with_thresholds

)

select * from final
