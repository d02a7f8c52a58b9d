-- One row per employee x month x goal (SPEC 9.3): every goal an employee owns in the month,
-- with the weight in force on the goal period's first day, actual, target, attainment and
-- what the goal adds to the month's score (weight x attainment), so anyone can see why a
-- score is what it is. A monthly goal is scored in its month. A quarter goal is scored in
-- each month of its quarter quarter-to-date: its days' numerators and denominators from
-- the quarter's first day to the month's end, divided once (SPEC 5.4), against the
-- quarter's target, with the weight in force on the quarter's first day (docs/goals.md
-- says why). A month's rows depend only on data up to that month's end and the weights
-- in force on its period's first day, so a past month recomputes to the same rows.
with

goals as (

    select *
    from {{ ref('fct_goal_attainment') }}
    where owner_type = 'employee'

),

month_goals as (

    select
        owner_id,
        period_start as month_start,
        goal_id,
        parent_goal_id,
        kpi_code,
        scope_type,
        scope_id,
        direction,
        weight,
        weight_effective_from,
        actual,
        target,
        attainment
    from goals
    where {{ adapter.quote('period') }} not like '%-Q%'

),

quarter_goals as (

    select *
    from goals
    where {{ adapter.quote('period') }} like '%-Q%'

),

-- Each month of the quarter that has data: its days' components. A percentile KPI (unit
-- hours) has no components to sum, so no quarter-to-date actual (as fct_goal_attainment).
quarter_months as (

    select
        quarter_goals.goal_id,
        {{ month_start('kpi_daily.kpi_date') }} as month_start,
        sum(kpi_daily.numerator) as numerator,
        sum(kpi_daily.denominator) as denominator
    from quarter_goals
    inner join {{ ref('kpi_daily') }} as kpi_daily
        on
        quarter_goals.kpi_code = kpi_daily.kpi_code
        and quarter_goals.scope_type = kpi_daily.scope_type
        and quarter_goals.scope_id = kpi_daily.scope_id
        and kpi_daily.kpi_date between quarter_goals.period_start and quarter_goals.period_end
    where kpi_daily.unit = 'ratio'
    group by
        quarter_goals.goal_id,
        {{ month_start('kpi_daily.kpi_date') }}

),

quarter_to_date as (

    select
        goal_id,
        month_start,
        sum(numerator)
            over (
                partition by goal_id order by month_start
                rows between unbounded preceding and current row
            )
        / nullif(
            sum(denominator) over (
                partition by goal_id order by month_start
                rows between unbounded preceding and current row
            ),
            0
        ) as actual
    from quarter_months

),

quarter_scored as (

    select
        quarter_goals.owner_id,
        quarter_to_date.month_start,
        quarter_goals.goal_id,
        quarter_goals.parent_goal_id,
        quarter_goals.kpi_code,
        quarter_goals.scope_type,
        quarter_goals.scope_id,
        quarter_goals.direction,
        quarter_goals.weight,
        quarter_goals.weight_effective_from,
        quarter_to_date.actual,
        quarter_goals.target,
        {{ round_double(goal_attainment(
            'quarter_to_date.actual', 'quarter_goals.target', 'quarter_goals.direction'
        ), 6) }} as attainment
    from quarter_goals
    inner join quarter_to_date
        on quarter_goals.goal_id = quarter_to_date.goal_id

),

unioned as (

    select * from month_goals
    union all
    select * from quarter_scored

),

final as (

    select
        {{ concat_key(['owner_id', 'month_start', 'goal_id'], '|') }} as employee_score_goal_id,
        owner_id as employee_id,
        month_start as {{ adapter.quote('month') }},
        goal_id,
        parent_goal_id,
        kpi_code,
        scope_type,
        scope_id,
        direction,
        weight,
        weight_effective_from,
        cast(actual as double) as actual,
        target,
        cast(attainment as double) as attainment,
        cast({{ round_double('weight * attainment', 6) }} as double) as score_contribution
    from unioned

)

select * from final
