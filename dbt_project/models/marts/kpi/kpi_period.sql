-- One row per period type (ISO week, calendar month) x period start x period end x scope x
-- KPI: the period from its first day to period_end, each plant date of the period up to the
-- as-of date, so the figure of any week or month to date is one row. Numerator, denominator
-- and value come from the period's own facts (int_period_kpis_computed, SPEC 5.6); target,
-- thresholds and status are those in force on period_end, with kpi_daily's rule.
with

periods as (

    select * from {{ ref('int_period_kpis_computed') }}

),

{{ kpi_targets_in_force(
    'periods', 'period_end', ['period_type', 'period_end', 'scope_type', 'scope_id', 'kpi_code']
) }},

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
