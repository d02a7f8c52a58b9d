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

targets as (

    select
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
    from {{ ref('int_kpi_targets_resolved') }}

),

definitions as (

    select
        kpi_code,
        kpi_name,
        kpi_name_en,
        unit,
        direction
    from {{ ref('kpi_definitions') }}

),

in_period as (

    select values_unioned.*
    from values_unioned
    cross join horizon
    where values_unioned.kpi_date <= horizon.as_of_date

),

target_candidates as (

    select
        in_period.kpi_date,
        in_period.scope_type,
        in_period.scope_id,
        in_period.kpi_code,
        targets.target,
        targets.yellow_threshold,
        targets.red_threshold,
        targets.direction,
        targets.target_source,
        row_number() over (
            partition by
                in_period.kpi_date, in_period.scope_type, in_period.scope_id, in_period.kpi_code
            order by
                case when targets.scope_id = in_period.scope_id then 0 else 1 end,
                case when targets.scope_type = in_period.scope_type then 0 else 1 end,
                targets.source_priority,
                targets.valid_from desc nulls last
        ) as specificity_rank
    from in_period
    inner join targets
        on in_period.kpi_code = targets.kpi_code
        and (targets.scope_type = in_period.scope_type or targets.scope_type = '*')
        and (targets.scope_id = in_period.scope_id or targets.scope_id = '*')
        and (targets.valid_from is null or targets.valid_from <= in_period.kpi_date)

),

with_targets as (

    select
        in_period.*,
        target_candidates.target,
        target_candidates.yellow_threshold,
        target_candidates.red_threshold,
        coalesce(target_candidates.direction, definitions.direction) as direction,
        target_candidates.target_source,
        definitions.kpi_name,
        definitions.kpi_name_en,
        definitions.unit
    from in_period
    left join target_candidates
        on in_period.kpi_date = target_candidates.kpi_date
        and in_period.scope_type = target_candidates.scope_type
        and in_period.scope_id = target_candidates.scope_id
        and in_period.kpi_code = target_candidates.kpi_code
        and target_candidates.specificity_rank = 1
    left join definitions
        on in_period.kpi_code = definitions.kpi_code

),

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
