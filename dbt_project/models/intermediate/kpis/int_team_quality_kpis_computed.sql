-- Team quality KPIs (SPEC 5.3) per plant date for every team, line, department and the
-- plant: the team-hour components are summed first and divided once. A day whose
-- numerator has events but whose denominator is 0 (reworked units on a day without
-- production, earned hours without attendance) keeps its row with a null value, so a
-- period that sums the days loses nothing.
with

team_hours as (

    select
        team_id,
        line_id,
        hour_date,
        first_inspected_qty,
        first_passed_qty,
        reworked_qty,
        produced_qty,
        unplanned_downtime_minutes,
        planned_production_minutes,
        standard_hours_earned,
        attended_hours
    from {{ ref('fct_team_quality_hourly') }}

),

teams as (

    select
        team_id,
        department_id
    from {{ ref('stg_hr__teams') }}

),

team_hours_with_department as (

    select
        team_hours.*,
        teams.department_id
    from team_hours
    left join teams
        on team_hours.team_id = teams.team_id

),

scoped as (

    {{ scope_rollup(
        'team_hours_with_department',
        [('team', 'team_id'), ('line', 'line_id'), ('department', 'department_id')],
        optional=['line_id', 'department_id'],
    ) }}

),

summed as (

    select
        hour_date as kpi_date,
        scope_type,
        scope_id,
        sum(first_passed_qty) as first_passed_qty,
        sum(first_inspected_qty) as first_inspected_qty,
        sum(reworked_qty) as reworked_qty,
        sum(produced_qty) as produced_qty,
        sum(unplanned_downtime_minutes) as unplanned_downtime_minutes,
        sum(planned_production_minutes) as planned_production_minutes,
        sum(standard_hours_earned) as standard_hours_earned,
        sum(attended_hours) as attended_hours
    from scoped
    group by hour_date, scope_type, scope_id

),

unpivoted as (

    select
        kpi_date,
        scope_type,
        scope_id,
        'first_pass_yield' as kpi_code,
        first_passed_qty as numerator,
        first_inspected_qty as denominator
    from summed
    union all
    select
        kpi_date,
        scope_type,
        scope_id,
        'rework_rate' as kpi_code,
        reworked_qty as numerator,
        produced_qty as denominator
    from summed
    union all
    select
        kpi_date,
        scope_type,
        scope_id,
        'downtime_rate' as kpi_code,
        unplanned_downtime_minutes as numerator,
        planned_production_minutes as denominator
    from summed
    union all
    select
        kpi_date,
        scope_type,
        scope_id,
        'output_per_head' as kpi_code,
        standard_hours_earned as numerator,
        attended_hours as denominator
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
        'fct_team_quality_hourly' as source_model
    from unpivoted
    where denominator > 0
        or numerator > 0

)

select * from final
