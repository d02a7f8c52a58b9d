{%- set max_depth = var('goal_tree_max_depth', 7) | int -%}
-- One row per goal x period of the goal tree (SPEC 9.1; a goal has one period): the bound
-- KPI's actual for the period, attainment against the target (capped at 1.2, inverted for
-- lower-is-better KPIs), the goal's weight in force on the period's first day, and the
-- rolled-up attainment: a leaf's own, a parent's the weighted mean of its children's
-- rolled-up attainments (children without a weight: the plain mean). Refused goals
-- (int_goal_bindings_checked) are left out.
with

goals as (

    select *
    from {{ ref('int_goal_bindings_checked') }}
    where not is_refused

),

month_actuals as (

    select
        scope_type,
        scope_id,
        kpi_code,
        period_start,
        value as actual
    from {{ ref('kpi_period') }}
    where period_type = 'month'
        and is_latest

),

-- A quarter sums its days' components and divides once (SPEC 5.4); a percentile KPI
-- (unit hours) has no components to sum and no quarter actual.
quarter_actuals as (

    select
        goals.goal_id,
        sum(kpi_daily.numerator) / nullif(sum(kpi_daily.denominator), 0) as actual
    from goals
    inner join {{ ref('kpi_daily') }} as kpi_daily
        on
        goals.kpi_code = kpi_daily.kpi_code
        and goals.scope_type = kpi_daily.scope_type
        and goals.scope_id = kpi_daily.scope_id
        and kpi_daily.kpi_date between goals.period_start and goals.period_end
    where goals.goal_period like '%-Q%'
        and kpi_daily.unit = 'ratio'
    group by goals.goal_id

),

weights as (

    select
        owner_type,
        owner_id,
        kpi_code,
        as_of_date,
        weight,
        weight_effective_from
    from {{ ref('int_kpi_weights_as_of') }}

),

scored as (

    select
        goals.*,
        case
            when goals.goal_period like '%-Q%' then quarter_actuals.actual
            else month_actuals.actual
        end as actual,
        weights.weight,
        weights.weight_effective_from
    from goals
    left join month_actuals
        on
        goals.scope_type = month_actuals.scope_type
        and goals.scope_id = month_actuals.scope_id
        and goals.kpi_code = month_actuals.kpi_code
        and goals.period_start = month_actuals.period_start
    left join quarter_actuals
        on goals.goal_id = quarter_actuals.goal_id
    left join weights
        on
        goals.owner_type = weights.owner_type
        and goals.owner_id = weights.owner_id
        and goals.kpi_code = weights.kpi_code
        and goals.period_start = weights.as_of_date

),

attained as (

    select
        scored.*,
        {{ goal_attainment('scored.actual', 'scored.target', 'scored.direction') }} as attainment
    from scored

),

-- Bottom-up: the deepest level first; each level's parents take their children's
-- rolled-up attainment from the level below.
rolled_{{ max_depth + 1 }} as (

    select
        goal_id,
        parent_goal_id,
        weight,
        attainment as rolled_up_attainment
    from attained
    where 1 = 0

),
{% for depth in range(max_depth, -1, -1) %}
    children_of_{{ depth }} as (

        select
            parent_goal_id,
            sum(weight * rolled_up_attainment) / nullif(sum(weight), 0) as weighted_mean,
            avg(rolled_up_attainment) as plain_mean
        from rolled_{{ depth + 1 }}
        where rolled_up_attainment is not null
        group by parent_goal_id

    ),

    rolled_{{ depth }} as (

        select
            attained.goal_id,
            attained.parent_goal_id,
            attained.weight,
            case
                when children_of_{{ depth }}.parent_goal_id is null then attained.attainment
                when children_of_{{ depth }}.weighted_mean is not null
                    then children_of_{{ depth }}.weighted_mean
                else children_of_{{ depth }}.plain_mean
            end as rolled_up_attainment
        from attained
        left join children_of_{{ depth }}
            on attained.goal_id = children_of_{{ depth }}.parent_goal_id
        where attained.depth = {{ depth }}

    ),
{% endfor %}
rolled as (
    {% for depth in range(0, max_depth + 1) %}
        select
            goal_id,
            rolled_up_attainment
        from rolled_{{ depth }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        attained.goal_id,
        attained.parent_goal_id,
        attained.owner_type,
        attained.owner_id,
        attained.goal_period as {{ adapter.quote('period') }},
        attained.period_start,
        attained.period_end,
        attained.kpi_code,
        attained.scope_type,
        attained.scope_id,
        attained.direction,
        cast(attained.target as double) as target,
        cast(attained.actual as double) as actual,
        cast(round(attained.attainment, 6) as double) as attainment,
        cast(attained.weight as double) as weight,
        attained.weight_effective_from,
        cast(round(rolled.rolled_up_attainment, 6) as double) as rolled_up_attainment,
        attained.value_path,
        cast(attained.depth as {{ dbt.type_int() }}) as depth,
        attained._source_row as source_row
    from attained
    left join rolled
        on attained.goal_id = rolled.goal_id

)

select * from final
