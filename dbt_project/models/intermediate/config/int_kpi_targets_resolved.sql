-- KPI targets in force: the seed's rows, with every (kpi, scope type, scope id) that the
-- Excel targets workbook also holds taken from the workbook, plus the workbook's new rows.
with

default_targets as (

    select
        kpi_code,
        scope_type,
        scope_id,
        target,
        yellow_threshold,
        red_threshold,
        direction
    from {{ ref('kpi_targets') }}

),

workbook_targets as (

    select
        kpi_code,
        scope_type,
        scope_id,
        target,
        yellow_threshold,
        red_threshold,
        direction
    from {{ ref('stg_excel__kpi_targets') }}

),

defaults_not_overridden as (

    select
        default_targets.*,
        'seed' as target_source
    from default_targets
    left join workbook_targets
        on default_targets.kpi_code = workbook_targets.kpi_code
        and default_targets.scope_type = workbook_targets.scope_type
        and default_targets.scope_id = workbook_targets.scope_id
    where workbook_targets.kpi_code is null

),

unioned as (

    select * from defaults_not_overridden

    union all

    select
        workbook_targets.*,
        'excel' as target_source
    from workbook_targets

),

final as (

    select
        {{ concat_key(['kpi_code', 'scope_type', 'scope_id'], '|') }} as kpi_target_id,
        kpi_code,
        scope_type,
        scope_id,
        target,
        yellow_threshold,
        red_threshold,
        direction,
        target_source
    from unioned

)

select * from final
