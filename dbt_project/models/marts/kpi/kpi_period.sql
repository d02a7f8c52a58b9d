-- One row per period type (ISO week, calendar month) x period start x period end x scope x
-- KPI: the period from its first day to period_end, each plant date of the period up to the
-- as-of date, so the figure of any week or month to date is one row. Numerator, denominator
-- and value come from the period's own facts (int_period_kpis_computed, SPEC 5.6); target,
-- thresholds and status are those in force on period_end, with kpi_daily's rule.
with

periods as (

    select * from {{ ref('int_period_kpis_computed') }}

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

target_candidates as (

    select
        periods.period_type,
        periods.period_end,
        periods.scope_type,
        periods.scope_id,
        periods.kpi_code,
        targets.target,
        targets.yellow_threshold,
        targets.red_threshold,
        targets.direction,
        targets.target_source,
        row_number() over (
            partition by
                periods.period_type,
                periods.period_end,
                periods.scope_type,
                periods.scope_id,
                periods.kpi_code
            order by
                case when targets.scope_id = periods.scope_id then 0 else 1 end,
                case when targets.scope_type = periods.scope_type then 0 else 1 end,
                targets.source_priority,
                targets.valid_from desc nulls last
        ) as specificity_rank
    from periods
    inner join targets
        on periods.kpi_code = targets.kpi_code
        and (targets.scope_type = periods.scope_type or targets.scope_type = '*')
        and (targets.scope_id = periods.scope_id or targets.scope_id = '*')
        and (targets.valid_from is null or targets.valid_from <= periods.period_end)

),

with_targets as (

    select
        periods.*,
        target_candidates.target,
        target_candidates.yellow_threshold,
        target_candidates.red_threshold,
        coalesce(target_candidates.direction, definitions.direction) as direction,
        target_candidates.target_source,
        definitions.kpi_name,
        definitions.kpi_name_en,
        definitions.unit
    from periods
    left join target_candidates
        on periods.period_type = target_candidates.period_type
        and periods.period_end = target_candidates.period_end
        and periods.scope_type = target_candidates.scope_type
        and periods.scope_id = target_candidates.scope_id
        and periods.kpi_code = target_candidates.kpi_code
        and target_candidates.specificity_rank = 1
    left join definitions
        on periods.kpi_code = definitions.kpi_code

),

final as (

    select
        {{ concat_key(
            ['period_type', 'period_end', 'scope_type', 'scope_id', 'kpi_code'], '|'
        ) }} as kpi_period_id,
        period_type,
        period_start,
        period_end,
        -- The row that holds the whole period: its last day, or the as-of date for the
        -- period still running.
        period_end = max(period_end) over (
            partition by period_type, period_start, scope_type, scope_id, kpi_code
        ) as is_latest,
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
        {{ kpi_status('kpi_value', 'target', 'red_threshold', 'direction') }} as status,
        target_source,
        source_model
    from with_targets

)

select * from final
