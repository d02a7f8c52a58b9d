-- Signal response KPIs (SPEC 5.5), month to date per plant date: median and p90 response
-- hours of the signals raised since the first of the month that have been answered, and
-- the share of their first actions that perfchain triggered. For a percentile, numerator
-- = answered signals at or under the value, denominator = answered signals.
with

signals as (

    select
        signal_id,
        signal_date,
        signal_month,
        response_hours,
        is_responded,
        is_auto_triggered
    from {{ ref('fct_signal_response') }}

),

horizon as (

    select as_of_date from {{ ref('int_data_horizons_resolved') }}

),

bounds as (

    select
        min(signals.signal_date) as first_date,
        max(horizon.as_of_date) as last_date
    from signals
    cross join horizon

),

days as (

    select {{ dates_between('bounds.first_date', 'bounds.last_date') }} as kpi_date
    from bounds
    where bounds.first_date is not null

),

month_to_date as (

    select
        days.kpi_date,
        signals.signal_id,
        signals.response_hours,
        signals.is_auto_triggered
    from days
    inner join signals
        on signals.signal_month = {{ month_start('days.kpi_date') }}
        and signals.signal_date <= days.kpi_date
    where signals.is_responded

),

percentiles as (

    select
        month_to_date.kpi_date,
        {{ median('month_to_date.response_hours') }} as median_hours,
        {{ percentile_cont('month_to_date.response_hours', 0.9) }} as p90_hours,
        count(*) as responded_count,
        count(*) filter (where month_to_date.is_auto_triggered) as auto_triggered_count
    from month_to_date
    group by month_to_date.kpi_date

),

at_or_under as (

    select
        percentiles.kpi_date,
        count(*) filter (
            where {{ at_or_under_percentile(
                'month_to_date.response_hours', 'percentiles.median_hours'
            ) }}
        ) as at_or_under_median,
        count(*) filter (
            where {{ at_or_under_percentile(
                'month_to_date.response_hours', 'percentiles.p90_hours'
            ) }}
        ) as at_or_under_p90
    from percentiles
    inner join month_to_date
        on percentiles.kpi_date = month_to_date.kpi_date
    group by percentiles.kpi_date

),

unpivoted as (

    select
        percentiles.kpi_date,
        'response_hours_median' as kpi_code,
        at_or_under.at_or_under_median as numerator,
        percentiles.responded_count as denominator,
        percentiles.median_hours as kpi_value
    from percentiles
    inner join at_or_under
        on percentiles.kpi_date = at_or_under.kpi_date
    union all
    select
        percentiles.kpi_date,
        'response_hours_p90' as kpi_code,
        at_or_under.at_or_under_p90 as numerator,
        percentiles.responded_count as denominator,
        percentiles.p90_hours as kpi_value
    from percentiles
    inner join at_or_under
        on percentiles.kpi_date = at_or_under.kpi_date
    union all
    select
        percentiles.kpi_date,
        'auto_trigger_share' as kpi_code,
        percentiles.auto_triggered_count as numerator,
        percentiles.responded_count as denominator,
        {{ safe_divide('percentiles.auto_triggered_count', 'percentiles.responded_count') }}
            as kpi_value
    from percentiles

),

final as (

    select
        kpi_date,
        'plant' as scope_type,
        '{{ var("plant_id") }}' as scope_id,
        kpi_code,
        round(cast(numerator as double), 6) as numerator,
        round(cast(denominator as double), 6) as denominator,
        round(cast(kpi_value as double), 6) as kpi_value,
        'fct_signal_response' as source_model
    from unpivoted
    where denominator > 0

)

select * from final
