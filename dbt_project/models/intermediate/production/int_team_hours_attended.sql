{{
    config(
        materialized='incremental',
        unique_key='team_hour_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Attended labour hours per team per plant hour. Each attendance's clock-in to clock-out
-- span is spread over the hours it covers and scaled so the day sums to its recorded
-- hours (breaks are not labour). The team is the one the employee belonged to that day.
-- Incremental: recomputes the hours from var('lookback_hours') before the newest one, from
-- every attendance that reaches into them.
with

attendance as (

    select
        attendance_id,
        employee_id,
        work_date,
        clock_in_at,
        clock_out_at,
        attended_hours
    from {{ ref('stg_hr__attendance') }}
    where clock_in_at is not null
        and clock_out_at > clock_in_at
        and coalesce(attended_hours, 0) > 0
        {% if is_incremental() -%}
        and clock_out_at > {{ lookback_start() }}
        {%- endif %}

),

employee_teams as (

    select
        employee_id,
        team_id,
        valid_from_at,
        valid_to_at
    from {{ ref('int_employee_teams_historized') }}

),

attendance_with_team as (

    select
        attendance.*,
        employee_teams.team_id,
        attendance.attended_hours
        / {{ hours_between('attendance.clock_in_at', 'attendance.clock_out_at') }}
            as labour_factor
    from attendance
    inner join employee_teams
        on attendance.employee_id = employee_teams.employee_id
        and (
            employee_teams.valid_from_at is null
            or employee_teams.valid_from_at <= attendance.clock_in_at
        )
        and (
            employee_teams.valid_to_at is null
            or employee_teams.valid_to_at > attendance.clock_in_at
        )
    where employee_teams.team_id is not null

),

hours_expanded as (

    select
        attendance_with_team.*,
        {{ hour_starts_between('attendance_with_team.clock_in_at',
            'attendance_with_team.clock_out_at') }} as hour_at
    from attendance_with_team

),

pieces as (

    select
        hours_expanded.team_id,
        hours_expanded.hour_at,
        hours_expanded.employee_id,
        hours_expanded.labour_factor * {{ hours_between(
            'greatest(hours_expanded.clock_in_at, hours_expanded.hour_at)',
            'least(hours_expanded.clock_out_at, ' ~ add_hours('hours_expanded.hour_at', 1) ~ ')'
        ) }} as attended_hours
    from hours_expanded
    {% if is_incremental() -%}
    where hours_expanded.hour_at >= {{ lookback_start() }}
    {%- endif %}

),

final as (

    select
        {{ concat_key(['team_id', timestamp_key('hour_at')], '@') }} as team_hour_id,
        team_id,
        hour_at,
        count(distinct employee_id) as attending_employee_count,
        -- Rounded: a float sum's last digits depend on the order rows arrive in.
        round(cast(sum(attended_hours) as double), 6) as attended_hours
    from pieces
    group by team_id, hour_at

)

select * from final
