{#- Max levels below a root; extractors/excel/goals.py MAX_DEPTH refuses deeper goals. -#}
{%- set max_depth = var('goal_tree_max_depth', 7) | int -%}
-- One row per goal of the goal tree (SPEC 9.1): its period's first and last day, its depth
-- below its root, the KPI's direction, and whether kpi_daily holds data for its KPI and
-- scope in the 30 days before the period (when the warehouse's history begins later, its
-- first 30 days). A goal without that data is refused (`is_binding_refused`), and so is
-- every goal under it (`is_refused`): they are left out of the attainment marts, and the
-- data test on this model names the refused binding's row in the workbook.
with

goals as (

    select
        goal_id,
        parent_goal_id,
        owner_type,
        owner_id,
        goal_period,
        {{ goal_period_start('goal_period') }} as period_start,
        {{ goal_period_end('goal_period') }} as period_end,
        kpi_code,
        scope_type,
        scope_id,
        target,
        value_path,
        data_binding,
        _source_file,
        _source_row
    from {{ ref('stg_excel__goal_tree') }}

),

kpis as (

    select
        kpi_code,
        direction
    from {{ ref('kpi_definitions') }}

),

kpi_days as (

    select
        kpi_code,
        scope_type,
        scope_id,
        kpi_date
    from {{ ref('kpi_daily') }}
    where value is not null

),

history as (

    select min(kpi_date) as first_data_date from kpi_days

),

windows as (

    select
        goals.goal_id,
        case
            when history.first_data_date is not null
                and {{ dbt.dateadd("day", 30, "history.first_data_date") }} > goals.period_start
                then cast({{ dbt.dateadd("day", 30, "history.first_data_date") }} as date)
            else goals.period_start
        end as check_until
    from goals
    cross join history

),

binding_data as (

    select
        goals.goal_id,
        count(kpi_days.kpi_date) as data_days
    from goals
    inner join windows
        on goals.goal_id = windows.goal_id
    left join kpi_days
        on
        goals.kpi_code = kpi_days.kpi_code
        and goals.scope_type = kpi_days.scope_type
        and goals.scope_id = kpi_days.scope_id
        and kpi_days.kpi_date < windows.check_until
        and kpi_days.kpi_date >= cast({{ dbt.dateadd('day', -30, 'windows.check_until') }} as date)
    group by goals.goal_id

),

checked as (

    select
        goals.goal_id,
        goals.parent_goal_id,
        binding_data.data_days = 0 or kpis.kpi_code is null as is_binding_refused
    from goals
    inner join binding_data
        on goals.goal_id = binding_data.goal_id
    left join kpis
        on goals.kpi_code = kpis.kpi_code

),

-- The tree level by level (no recursive CTE: Spark has none); the extractor refuses
-- cycles and trees deeper than max_depth, so every goal is reached. A goal under a refused
-- goal is refused too: the published tree stays whole.
level_0 as (

    select
        checked.goal_id,
        0 as depth,
        checked.is_binding_refused as is_refused
    from checked
    where checked.parent_goal_id is null

),
{% for depth in range(1, max_depth + 1) %}
level_{{ depth }} as (

    select
        checked.goal_id,
        {{ depth }} as depth,
        checked.is_binding_refused or level_{{ depth - 1 }}.is_refused as is_refused
    from checked
    inner join level_{{ depth - 1 }}
        on checked.parent_goal_id = level_{{ depth - 1 }}.goal_id

),
{% endfor %}
depths as (
    {% for depth in range(0, max_depth + 1) %}
        select
            goal_id,
            depth,
            is_refused
        from level_{{ depth }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        goals.goal_id,
        goals.parent_goal_id,
        goals.owner_type,
        goals.owner_id,
        goals.goal_period,
        goals.period_start,
        goals.period_end,
        goals.kpi_code,
        goals.scope_type,
        goals.scope_id,
        kpis.direction,
        goals.target,
        goals.value_path,
        goals.data_binding,
        depths.depth,
        cast({{ dbt.dateadd('day', -30, 'windows.check_until') }} as date) as binding_checked_from,
        cast({{ dbt.dateadd('day', -1, 'windows.check_until') }} as date)
            as binding_checked_through,
        binding_data.data_days as binding_data_days,
        checked.is_binding_refused,
        coalesce(depths.is_refused, true) as is_refused,
        goals._source_file,
        goals._source_row
    from goals
    inner join windows
        on goals.goal_id = windows.goal_id
    inner join binding_data
        on goals.goal_id = binding_data.goal_id
    inner join checked
        on goals.goal_id = checked.goal_id
    left join depths
        on goals.goal_id = depths.goal_id
    left join kpis
        on goals.kpi_code = kpis.kpi_code

)

select * from final
