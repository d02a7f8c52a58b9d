-- Every KPI for the ISO week and the calendar month to date (SPEC 5.6: a period's figure
-- comes from its own numerator and denominator): one row per period type x period start x
-- period end (each plant date of the period up to the as-of date) x scope x KPI.
-- Additive KPIs sum the daily numerators and denominators of the period, which is exact
-- because a day carries a row whenever either side has events. OEE is not additive over
-- days (its daily numerator weighs a day's ideal time by that day's quality ratio), so it
-- is rebuilt from the period's summed components: ideal x (good / produced) / planned busy.
-- Response-hour statistics and the auto-trigger share are not sums of days either: they
-- are computed from the signals raised in the period.
with

additive_days as (

    select
        kpi_date,
        scope_type,
        scope_id,
        kpi_code,
        numerator,
        denominator,
        source_model
    from {{ ref('int_delivery_kpis_computed') }}
    union all
    select
        kpi_date,
        scope_type,
        scope_id,
        kpi_code,
        numerator,
        denominator,
        source_model
    from {{ ref('int_team_quality_kpis_computed') }}
    union all
    select
        kpi_date,
        scope_type,
        scope_id,
        kpi_code,
        numerator,
        denominator,
        source_model
    from {{ ref('int_oee_kpis_computed') }}
    where kpi_code in ('availability', 'performance', 'quality_rate')

),

signals as (

    select
        signal_date,
        response_hours,
        is_auto_triggered
    from {{ ref('fct_signal_response') }}
    where is_responded

),

horizon as (

    select as_of_date from {{ ref('int_data_horizons_resolved') }}

),

bounds as (

    select
        min(additive_days.kpi_date) as first_date,
        max(horizon.as_of_date) as last_date
    from additive_days
    cross join horizon

),

days as (

    select {{ dates_between('bounds.first_date', 'bounds.last_date') }} as kpi_date
    from bounds
    where bounds.first_date is not null

),

-- Each plant date once per period type, with the start of its week and its month.
days_in_periods as (

    select
        'week' as period_type,
        {{ iso_week_start('days.kpi_date') }} as period_start,
        days.kpi_date
    from days
    union all
    select
        'month' as period_type,
        {{ month_start('days.kpi_date') }} as period_start,
        days.kpi_date
    from days

),

additive_in_periods as (

    select
        days_in_periods.period_type,
        days_in_periods.period_start,
        additive_days.*
    from additive_days
    inner join days_in_periods
        on additive_days.kpi_date = days_in_periods.kpi_date

),

-- Every (period, scope, KPI) that has a day with events, once per date of the period up to
-- the as-of date: a week's row on Thursday still exists when only Monday had events.
period_series as (

    select distinct
        additive_in_periods.period_type,
        additive_in_periods.period_start,
        additive_in_periods.scope_type,
        additive_in_periods.scope_id,
        additive_in_periods.kpi_code,
        additive_in_periods.source_model
    from additive_in_periods

),

series_by_end as (

    select
        period_series.*,
        days_in_periods.kpi_date as period_end
    from period_series
    inner join days_in_periods
        on period_series.period_type = days_in_periods.period_type
        and period_series.period_start = days_in_periods.period_start

),

additive_to_date as (

    select
        series_by_end.period_type,
        series_by_end.period_start,
        series_by_end.period_end,
        series_by_end.scope_type,
        series_by_end.scope_id,
        series_by_end.kpi_code,
        series_by_end.source_model,
        sum(coalesce(additive_in_periods.numerator, 0)) over period_so_far as numerator,
        sum(coalesce(additive_in_periods.denominator, 0)) over period_so_far as denominator
    from series_by_end
    left join additive_in_periods
        on series_by_end.period_type = additive_in_periods.period_type
        and series_by_end.period_start = additive_in_periods.period_start
        and series_by_end.period_end = additive_in_periods.kpi_date
        and series_by_end.scope_type = additive_in_periods.scope_type
        and series_by_end.scope_id = additive_in_periods.scope_id
        and series_by_end.kpi_code = additive_in_periods.kpi_code
    window period_so_far as (
        partition by
            series_by_end.period_type,
            series_by_end.period_start,
            series_by_end.scope_type,
            series_by_end.scope_id,
            series_by_end.kpi_code
        order by series_by_end.period_end
        rows between unbounded preceding and current row
    )

),

-- OEE over the period from the summed components of the same period and scope.
oee_to_date as (

    select
        period_type,
        period_start,
        period_end,
        scope_type,
        scope_id,
        'oee' as kpi_code,
        'fct_oee_shift' as source_model,
        coalesce(
            max(case when kpi_code = 'performance' then numerator end)
            * {{ safe_divide(
                "max(case when kpi_code = 'quality_rate' then numerator end)",
                "max(case when kpi_code = 'quality_rate' then denominator end)",
            ) }},
            0
        ) as numerator,
        coalesce(max(case when kpi_code = 'availability' then denominator end), 0)
            as denominator
    from additive_to_date
    where kpi_code in ('availability', 'performance', 'quality_rate')
    group by period_type, period_start, period_end, scope_type, scope_id

),

ratios_to_date as (

    select
        period_type,
        period_start,
        period_end,
        scope_type,
        scope_id,
        kpi_code,
        numerator,
        denominator,
        {{ rate('numerator', 'denominator') }} as kpi_value,
        source_model
    from additive_to_date
    union all
    select
        period_type,
        period_start,
        period_end,
        scope_type,
        scope_id,
        kpi_code,
        numerator,
        denominator,
        {{ rate('numerator', 'denominator') }} as kpi_value,
        source_model
    from oee_to_date

),

signal_bounds as (

    select
        min(signals.signal_date) as first_date,
        max(horizon.as_of_date) as last_date
    from signals
    cross join horizon

),

signal_days as (

    select
        {{ dates_between('signal_bounds.first_date', 'signal_bounds.last_date') }}
            as kpi_date
    from signal_bounds
    where signal_bounds.first_date is not null

),

signal_periods as (

    select
        'week' as period_type,
        {{ iso_week_start('signal_days.kpi_date') }} as period_start,
        signal_days.kpi_date as period_end
    from signal_days
    union all
    select
        'month' as period_type,
        {{ month_start('signal_days.kpi_date') }} as period_start,
        signal_days.kpi_date as period_end
    from signal_days

),

-- The answered signals raised from the period's start to each of its dates.
signals_to_date as (

    select
        signal_periods.period_type,
        signal_periods.period_start,
        signal_periods.period_end,
        signals.response_hours,
        signals.is_auto_triggered
    from signal_periods
    inner join signals
        on signals.signal_date >= signal_periods.period_start
        and signals.signal_date <= signal_periods.period_end

),

percentiles as (

    select
        period_type,
        period_start,
        period_end,
        {{ median('response_hours') }} as median_hours,
        {{ percentile_cont('response_hours', 0.9) }} as p90_hours,
        count(*) as responded_count,
        count(*) filter (where is_auto_triggered) as auto_triggered_count
    from signals_to_date
    group by period_type, period_start, period_end

),

at_or_under as (

    select
        percentiles.period_type,
        percentiles.period_end,
        count(*) filter (
            where {{ at_or_under_percentile(
                'signals_to_date.response_hours', 'percentiles.median_hours'
            ) }}
        ) as at_or_under_median,
        count(*) filter (
            where {{ at_or_under_percentile(
                'signals_to_date.response_hours', 'percentiles.p90_hours'
            ) }}
        ) as at_or_under_p90
    from percentiles
    inner join signals_to_date
        on percentiles.period_type = signals_to_date.period_type
        and percentiles.period_end = signals_to_date.period_end
    group by percentiles.period_type, percentiles.period_end

),

signal_kpis as (

    select
        percentiles.period_type,
        percentiles.period_start,
        percentiles.period_end,
        'response_hours_median' as kpi_code,
        at_or_under.at_or_under_median as numerator,
        percentiles.responded_count as denominator,
        percentiles.median_hours as kpi_value
    from percentiles
    inner join at_or_under
        on percentiles.period_type = at_or_under.period_type
        and percentiles.period_end = at_or_under.period_end
    union all
    select
        percentiles.period_type,
        percentiles.period_start,
        percentiles.period_end,
        'response_hours_p90' as kpi_code,
        at_or_under.at_or_under_p90 as numerator,
        percentiles.responded_count as denominator,
        percentiles.p90_hours as kpi_value
    from percentiles
    inner join at_or_under
        on percentiles.period_type = at_or_under.period_type
        and percentiles.period_end = at_or_under.period_end
    union all
    select
        percentiles.period_type,
        percentiles.period_start,
        percentiles.period_end,
        'auto_trigger_share' as kpi_code,
        percentiles.auto_triggered_count as numerator,
        percentiles.responded_count as denominator,
        {{ safe_divide('percentiles.auto_triggered_count', 'percentiles.responded_count') }}
            as kpi_value
    from percentiles

),

unioned as (

    select
        period_type,
        period_start,
        period_end,
        scope_type,
        scope_id,
        kpi_code,
        numerator,
        denominator,
        kpi_value,
        source_model
    from ratios_to_date
    union all
    select
        period_type,
        period_start,
        period_end,
        'plant' as scope_type,
        '{{ var("plant_id") }}' as scope_id,
        kpi_code,
        numerator,
        denominator,
        kpi_value,
        'fct_signal_response' as source_model
    from signal_kpis

),

final as (

    select
        unioned.period_type,
        unioned.period_start,
        unioned.period_end,
        unioned.scope_type,
        unioned.scope_id,
        unioned.kpi_code,
        round(cast(unioned.numerator as double), 6) as numerator,
        round(cast(unioned.denominator as double), 6) as denominator,
        round(cast(unioned.kpi_value as double), 6) as kpi_value,
        unioned.source_model
    from unioned
    cross join horizon
    where unioned.period_end <= horizon.as_of_date
        and (unioned.denominator > 0 or unioned.numerator > 0)

)

select * from final
