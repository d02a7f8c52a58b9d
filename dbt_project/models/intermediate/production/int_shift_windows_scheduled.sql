-- When each team works: one row per team per scheduled work date, with the shift's window
-- as UTC instants (a night shift ends on the next plant date; shift_date stays the date
-- it started) and the line the team runs.
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
            when {{ hhmm_to_minutes('shifts.end_time') }}
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

final as (

    select
        {{ concat_key(['team_id', 'shift_date']) }} as team_shift_id,
        team_id,
        line_id,
        shift_date,
        shift_code,
        start_minute,
        shift_minutes,
        planned_break_minutes,
        window_start_at,
        window_end_at
    from windows

)

select * from final
