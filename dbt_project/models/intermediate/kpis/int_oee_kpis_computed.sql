-- OEE (SPEC 5.4) per shift date for every machine, line, department and the plant. Components are
-- summed over shifts and machines and divided once: OEE = (run/busy) x (ideal/run) x
-- (good/produced) over the sums, which reduces to ideal x good / (busy x produced) - never
-- an average of shift OEEs. OEE's numerator is not additive over days (a week's quality
-- ratio weighs every day's ideal time): int_period_kpis_computed sums the components of
-- the period instead of these rows. A day with events on either side keeps its row.
with

machine_shifts as (

    select
        machine_id,
        line_id,
        team_id,
        shift_date,
        planned_busy_minutes,
        run_minutes,
        ideal_minutes,
        produced_qty,
        good_qty
    from {{ ref('fct_oee_shift') }}

),

teams as (

    select
        team_id,
        department_id
    from {{ ref('stg_hr__teams') }}

),

shifts_with_department as (

    -- The department of the crew that ran the shift.
    select
        machine_shifts.*,
        teams.department_id
    from machine_shifts
    left join teams
        on machine_shifts.team_id = teams.team_id

),

scoped as (

    {{ scope_rollup(
        'shifts_with_department',
        [('machine', 'machine_id'), ('line', 'line_id'), ('department', 'department_id')],
        optional=['department_id'],
    ) }}

),

summed as (

    select
        shift_date as kpi_date,
        scope_type,
        scope_id,
        sum(planned_busy_minutes) as planned_busy_minutes,
        sum(run_minutes) as run_minutes,
        sum(ideal_minutes) as ideal_minutes,
        cast(sum(produced_qty) as double) as produced_qty,
        cast(sum(good_qty) as double) as good_qty
    from scoped
    group by shift_date, scope_type, scope_id

),

unpivoted as (

    select
        kpi_date,
        scope_type,
        scope_id,
        'availability' as kpi_code,
        run_minutes as numerator,
        planned_busy_minutes as denominator
    from summed
    union all
    select
        kpi_date,
        scope_type,
        scope_id,
        'performance' as kpi_code,
        ideal_minutes as numerator,
        run_minutes as denominator
    from summed
    union all
    select
        kpi_date,
        scope_type,
        scope_id,
        'quality_rate' as kpi_code,
        good_qty as numerator,
        produced_qty as denominator
    from summed
    union all
    -- OEE's numerator is "fully productive time" (good units at ideal cycle time) and its
    -- denominator the planned busy time: ideal x quality / planned busy. A day planned busy
    -- that produced nothing had no productive time: 0, not a missing row.
    select
        kpi_date,
        scope_type,
        scope_id,
        'oee' as kpi_code,
        coalesce(ideal_minutes * {{ safe_divide('good_qty', 'produced_qty') }}, 0)
            as numerator,
        planned_busy_minutes as denominator
    from summed

),

final as (

    select
        kpi_date,
        scope_type,
        scope_id,
        kpi_code,
        round(cast(numerator as double), 6) as numerator,
        round(cast(denominator as double), 6) as denominator,
        {{ rate('numerator', 'denominator') }} as kpi_value,
        'fct_oee_shift' as source_model
    from unpivoted
    where denominator > 0
        or numerator > 0

)

select * from final
