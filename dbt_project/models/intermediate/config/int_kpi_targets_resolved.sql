-- KPI targets in force: the seed's defaults and the Excel targets workbook's rows side by
-- side. kpi_daily picks, per row, the most specific scope, then the workbook over the
-- seed, then the latest valid_from on or before the KPI date.
with

default_targets as (

    select
        kpi_code,
        scope_type,
        scope_id,
        target,
        yellow_threshold,
        red_threshold,
        direction,
        cast(null as date) as valid_from,
        'seed' as target_source,
        2 as source_priority
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
        direction,
        valid_from,
        'excel' as target_source,
        1 as source_priority
    from {{ ref('stg_excel__kpi_targets') }}

),

unioned as (

    select * from default_targets
    union all
    select * from workbook_targets

),

final as (

    select
        {{ concat_key([
            'target_source',
            'kpi_code',
            'scope_type',
            'scope_id',
            "coalesce(cast(valid_from as " ~ dbt.type_string() ~ "), '*')",
        ], '|') }} as kpi_target_id,
        kpi_code,
        scope_type,
        scope_id,
        target,
        yellow_threshold,
        red_threshold,
        direction,
        valid_from,
        target_source,
        source_priority
    from unioned

)

select * from final
