{{
    config(
        materialized=incremental_materialization(),
        unique_key='team_hour_id',
        incremental_strategy='replace_window',
        window_column='hour_at',
        on_schema_change='fail',
    )
}}
-- Attended labour hours per team per plant hour. Each attendance's clock-in to clock-out
-- span is spread over the hours it covers and scaled so the day sums to its recorded
-- hours (breaks are not labour). The team is the one the employee belonged to that day.
-- Incremental: recomputes whole the plant hours spanned by the attendances staged since its
-- last build, where each is and where the version it replaced was, from every attendance
-- that reaches into them (macros/incremental.sql).
with

{% if is_incremental() -%}
attendance_brought as (

    {{ brought_since(ref('stg_hr__attendance')) }}

),

spans_brought as (

    select
        attendance_brought.clock_in_at as span_start_at,
        attendance_brought.clock_out_at as span_end_at
    from attendance_brought
    union all
    select
        attendance_brought._replaced_clock_in_at as span_start_at,
        attendance_brought._replaced_clock_out_at as span_end_at
    from attendance_brought

),

hours_to_recompute as (

    select distinct
        {{ hour_starts_between('spans_brought.span_start_at', 'spans_brought.span_end_at') }}
            as hour_at
    from spans_brought
    where spans_brought.span_end_at > spans_brought.span_start_at

),

{% endif -%}
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
        and clock_out_at > (select min(hours_to_recompute.hour_at) from hours_to_recompute)
        and clock_in_at < (
            select {{ add_hours('max(hours_to_recompute.hour_at)', 1) }}
            from hours_to_recompute
        )
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
    where hours_expanded.hour_at in (select hours_to_recompute.hour_at from hours_to_recompute)
    {%- endif %}

),

final as (

    select
        {{ concat_key(['team_id', timestamp_key('hour_at')], '@') }} as team_hour_id,
        team_id,
        hour_at,
        count(distinct employee_id) as attending_employee_count,
        -- Rounded: a float sum's last digits depend on the order rows arrive in.
        round(cast(sum(attended_hours) as double), 6) as attended_hours,
        -- The newest staging stamp this build had consumed: where the next build starts.
        (
            select max(staged._staged_at)
            from {{ ref('stg_hr__attendance') }} as staged
        ) as _staged_through_at
    from pieces
    group by team_id, hour_at
    {{ recomputed_hours_marked(
        'hours_to_recompute',
        'team_hour_id',
        ['team_id', 'hour_at', 'attending_employee_count', 'attended_hours',
            '_staged_through_at'],
    ) }}

)

select * from final
