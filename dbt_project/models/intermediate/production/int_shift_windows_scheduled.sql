-- When each team works: one row per team per scheduled work date, with the shift's window
-- as UTC instants (a night shift ends on the next plant date; shift_date stays the date
-- it started) and the line the team runs. Schedules are published ahead: only shifts that
-- have begun by the end of the as-of plant day count, and the one still running then (the
-- night shift) is cut there, so unobserved time is never counted as production time.
with

shift_schedules as (

    select
        work_date,
        team_id,
        shift_code
    from {{ ref('stg_hr__shift_schedules') }}

),

shifts as (

    select
        shift_code,
        start_time,
        end_time,
        planned_break_minutes
    from {{ ref('stg_hr__shifts') }}

),

horizon as (

    select as_of_end_at from {{ ref('int_data_horizons_resolved') }}

),

teams as (

    select
        team_id,
        line_id
    from {{ ref('stg_hr__teams') }}

),

shift_minutes as (

    select
        shifts.shift_code,
        shifts.planned_break_minutes,
        {{ hhmm_to_minutes('shifts.start_time') }} as start_minute,
        case
            when
                {{ hhmm_to_minutes('shifts.end_time') }}
                <= {{ hhmm_to_minutes('shifts.start_time') }}
                then {{ hhmm_to_minutes('shifts.end_time') }} + 1440
            else {{ hhmm_to_minutes('shifts.end_time') }}
        end as end_minute
    from shifts

),

windows as (

    select
        shift_schedules.team_id,
        teams.line_id,
        shift_schedules.work_date as shift_date,
        shift_schedules.shift_code,
        shift_minutes.start_minute,
        shift_minutes.end_minute - shift_minutes.start_minute as shift_minutes,
        shift_minutes.planned_break_minutes,
        -- Wall-clock arithmetic in plant time, then to UTC: correct across DST too.
        {{ local_to_utc(add_minutes('cast(shift_schedules.work_date as timestamp)',
            'shift_minutes.start_minute')) }} as window_start_at,
        {{ local_to_utc(add_minutes('cast(shift_schedules.work_date as timestamp)',
            'shift_minutes.end_minute')) }} as window_end_at
    from shift_schedules
    inner join shift_minutes
        on shift_schedules.shift_code = shift_minutes.shift_code
    left join teams
        on shift_schedules.team_id = teams.team_id

),

observed as (

    select
        windows.team_id,
        windows.line_id,
        windows.shift_date,
        windows.shift_code,
        windows.start_minute,
        windows.planned_break_minutes,
        windows.window_start_at,
        least(windows.window_end_at, horizon.as_of_end_at) as window_end_at
    from windows
    cross join horizon
    where windows.window_start_at < horizon.as_of_end_at

),

final as (

    select
        {{ concat_key(['team_id', 'shift_date']) }} as team_shift_id,
        team_id,
        line_id,
        shift_date,
        shift_code,
        start_minute,
        cast({{ minutes_between('window_start_at', 'window_end_at') }} as integer) as shift_minutes,
        planned_break_minutes,
        window_start_at,
        window_end_at
    from observed

)

select * from final
