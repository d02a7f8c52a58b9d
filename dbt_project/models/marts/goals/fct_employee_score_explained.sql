-- One row per employee x month x goal (SPEC 9.3): every monthly goal an employee owns, with
-- the weight in force on the month's first day, actual, target, attainment and what the
-- goal adds to the month's score (weight x attainment), so anyone can see why a score is
-- what it is. Built from fct_goal_attainment alone: a month's rows depend only on that
-- month's goals, data and the weights in force on its first day.
with

goals as (

    select *
    from {{ ref('fct_goal_attainment') }}
    where owner_type = 'employee'
        and {{ adapter.quote('period') }} not like '%-Q%'

),

final as (

    select
        {{ concat_key(['owner_id', 'period_start', 'goal_id'], '|') }} as employee_score_goal_id,
        owner_id as employee_id,
        period_start as {{ adapter.quote('month') }},
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
        attainment,
        cast({{ round_double('weight * attainment', 6) }} as double) as score_contribution
    from goals

)

select * from final
