-- Per-line quality thresholds in force: seed defaults overridden by the Excel workbook.
with

default_thresholds as (

    select
        line_code as line_id,
        measure,
        threshold
    from {{ ref('line_thresholds') }}

),

workbook_thresholds as (

    select
        line_id,
        measure,
        threshold
    from {{ ref('stg_excel__line_thresholds') }}

),

defaults_not_overridden as (

    select
        default_thresholds.*,
        'seed' as threshold_source
    from default_thresholds
    left join workbook_thresholds
        on default_thresholds.line_id = workbook_thresholds.line_id
        and default_thresholds.measure = workbook_thresholds.measure
    where workbook_thresholds.line_id is null

),

unioned as (

    select * from defaults_not_overridden

    union all

    select
        workbook_thresholds.*,
        'excel' as threshold_source
    from workbook_thresholds

),

final as (

    select
        {{ concat_key(['line_id', 'measure'], '|') }} as line_threshold_id,
        line_id,
        measure,
        threshold,
        threshold_source
    from unioned

)

select * from final
