-- One row per plant date x scope x KPI (SPEC 5.7): value = numerator / denominator, the
-- target and thresholds in force (most specific of scope id, scope type, any) and the
-- red/yellow/green status. KPIs are computed in intermediate/kpis from the marts' rows,
-- so every value can be traced to its source rows; only dates up to the as-of date.
with

values_unioned as (

    select * from {{ ref('int_delivery_kpis_computed') }}
    union all
    select * from {{ ref('int_team_quality_kpis_computed') }}
    union all
    select * from {{ ref('int_oee_kpis_computed') }}
    union all
    select * from {{ ref('int_signal_kpis_computed') }}

),

horizon as (

    select as_of_date from {{ ref('int_data_horizons_resolved') }}

),

in_period as (

    select values_unioned.*
    from values_unioned
    cross join horizon
    where values_unioned.kpi_date <= horizon.as_of_date

),

{{ kpi_targets_in_force(
    'in_period', 'kpi_date', ['kpi_date', 'scope_type', 'scope_id', 'kpi_code']
) }},

final as (

    select
        {{ concat_key(['kpi_date', 'scope_type', 'scope_id', 'kpi_code'], '|') }}
            as kpi_daily_id,
        kpi_date,
        scope_type,
        scope_id,
        kpi_code,
        kpi_name,
        kpi_name_en,
        unit,
        kpi_value as value,
        numerator,
        denominator,
        cast(target as double) as target,
        cast(yellow_threshold as double) as yellow_threshold,
        cast(red_threshold as double) as red_threshold,
        direction,
        -- docs/sources/excel.md; null when there is no value (nothing delivered that day).
        {{ kpi_status('kpi_value', 'target', 'red_threshold', 'direction') }} as status,
        target_source,
        -- The fact whose rows the numerator and denominator count.
        source_model
    from with_targets

)

select * from final
