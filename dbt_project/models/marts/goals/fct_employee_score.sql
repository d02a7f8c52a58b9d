-- One row per employee x month with a goal (SPEC 9.3): score = sum of weight x attainment
-- over the month's goals (fct_employee_score_explained), and beside it the month's
-- contribution points (SPEC 5.2; orders delivered in the month, plant date).
with

explained as (

    select *
    from {{ ref('fct_employee_score_explained') }}

),

scores as (

    select
        employee_id,
        {{ adapter.quote('month') }},
        sum(score_contribution) as score,
        count(*) as goal_count,
        count(attainment) as goals_with_actual,
        sum(weight) as weight_total
    from explained
    group by employee_id, {{ adapter.quote('month') }}

),

points as (

    select
        contribution.employee_id,
        scores.{{ adapter.quote('month') }},
        sum(contribution.points) as contribution_points
    from {{ ref('fct_order_contribution') }} as contribution
    inner join scores
        on
        contribution.employee_id = scores.employee_id
        and contribution.delivered_date >= scores.{{ adapter.quote('month') }}
        and contribution.delivered_date
        < cast({{ dbt.dateadd('month', 1, 'scores.' ~ adapter.quote('month')) }} as date)
    group by contribution.employee_id, scores.{{ adapter.quote('month') }}

),

employees as (

    select
        employee_id,
        team_id
    from {{ ref('dim_employee') }}

),

final as (

    select
        {{ concat_key(['scores.employee_id', 'scores.' ~ adapter.quote('month')], '|') }}
            as employee_score_id,
        scores.employee_id,
        scores.{{ adapter.quote('month') }},
        cast({{ round_double('scores.score', 6) }} as double) as score,
        scores.goal_count,
        scores.goals_with_actual,
        cast({{ round_double('scores.weight_total', 6) }} as double) as weight_total,
        cast(coalesce(points.contribution_points, 0) as decimal(18, 4)) as contribution_points,
        employees.team_id
    from scores
    left join points
        on
        scores.employee_id = points.employee_id
        and scores.{{ adapter.quote('month') }} = points.{{ adapter.quote('month') }}
    left join employees
        on scores.employee_id = employees.employee_id

)

select * from final
