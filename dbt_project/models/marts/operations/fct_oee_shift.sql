-- One row per machine per scheduled shift: OEE per ISO 22400-2 (SPEC 5.4).
--   planned busy time = shift time - planned stops
--   run time          = planned busy time - unplanned downtime
--   availability = run / planned busy; performance = ideal time / run time
--   quality = good / produced; OEE = availability x performance x quality
-- The minute and quantity components are kept so every roll-up can sum them and divide
-- once (kpi_daily does); averaging these ratios is wrong.
with

equipment as (

    select
        machine_id,
        line_id
    from {{ ref('stg_mes__equipment') }}

),

shift_windows as (

    select
        team_id,
        line_id,
        shift_date,
        shift_code,
        shift_minutes,
        window_start_at,
        window_end_at,
        row_number() over (
            partition by line_id, window_start_at order by team_id
        ) as crew_rank
    from {{ ref('int_shift_windows_scheduled') }}

),

segments as (

    select
        machine_id,
        shift_date,
        shift_code,
        machine_state,
        segment_minutes,
        is_state_start
    from {{ ref('int_machine_state_intervals_split') }}

),

produced as (

    select
        machine_id,
        shift_date,
        shift_code,
        produced_qty,
        good_qty,
        ideal_minutes
    from {{ ref('int_machine_shifts_produced') }}

),

machine_shifts as (

    select
        equipment.machine_id,
        equipment.line_id,
        shift_windows.team_id,
        shift_windows.shift_date,
        shift_windows.shift_code,
        shift_windows.window_start_at,
        shift_windows.window_end_at,
        cast(shift_windows.shift_minutes as double) as shift_minutes
    from equipment
    inner join shift_windows
        on equipment.line_id = shift_windows.line_id
        and shift_windows.crew_rank = 1

),

state_minutes as (

    select
        segments.machine_id,
        segments.shift_date,
        segments.shift_code,
        round(coalesce(sum(segments.segment_minutes) filter (
            where segments.machine_state = 'planned_stop'
        ), 0), 6) as planned_stop_minutes,
        round(coalesce(sum(segments.segment_minutes) filter (
            where segments.machine_state = 'unplanned_down'
        ), 0), 6) as unplanned_downtime_minutes,
        count(*) filter (
            where segments.machine_state = 'unplanned_down' and segments.is_state_start
        ) as unplanned_stop_count
    from segments
    group by segments.machine_id, segments.shift_date, segments.shift_code

),

components as (

    select
        machine_shifts.machine_id,
        machine_shifts.line_id,
        machine_shifts.team_id,
        machine_shifts.shift_date,
        machine_shifts.shift_code,
        machine_shifts.window_start_at,
        machine_shifts.window_end_at,
        machine_shifts.shift_minutes,
        coalesce(state_minutes.planned_stop_minutes, 0) as planned_stop_minutes,
        coalesce(state_minutes.unplanned_downtime_minutes, 0) as unplanned_downtime_minutes,
        coalesce(state_minutes.unplanned_stop_count, 0) as unplanned_stop_count,
        coalesce(produced.produced_qty, 0) as produced_qty,
        coalesce(produced.good_qty, 0) as good_qty,
        coalesce(produced.ideal_minutes, 0) as ideal_minutes
    from machine_shifts
    left join state_minutes
        on machine_shifts.machine_id = state_minutes.machine_id
        and machine_shifts.shift_date = state_minutes.shift_date
        and machine_shifts.shift_code = state_minutes.shift_code
    left join produced
        on machine_shifts.machine_id = produced.machine_id
        and machine_shifts.shift_date = produced.shift_date
        and machine_shifts.shift_code = produced.shift_code

),

times as (

    select
        components.*,
        components.shift_minutes - components.planned_stop_minutes as planned_busy_minutes,
        components.shift_minutes
        - components.planned_stop_minutes
        - components.unplanned_downtime_minutes as run_minutes
    from components

),

final as (

    select
        {{ concat_key(['machine_id', 'shift_date', 'shift_code'], '|') }} as machine_shift_id,
        machine_id,
        line_id,
        team_id,
        shift_date,
        shift_code,
        window_start_at,
        window_end_at,
        cast(shift_minutes as double) as shift_minutes,
        cast(planned_stop_minutes as double) as planned_stop_minutes,
        cast(unplanned_downtime_minutes as double) as unplanned_downtime_minutes,
        unplanned_stop_count,
        cast(planned_busy_minutes as double) as planned_busy_minutes,
        cast(run_minutes as double) as run_minutes,
        cast(ideal_minutes as double) as ideal_minutes,
        produced_qty,
        good_qty,
        {{ rate('run_minutes', 'planned_busy_minutes') }} as availability,
        {{ rate('ideal_minutes', 'run_minutes') }} as performance,
        {{ rate('good_qty', 'produced_qty') }} as quality,
        round(
            {{ safe_divide('run_minutes', 'planned_busy_minutes') }}
            * {{ safe_divide('ideal_minutes', 'run_minutes') }}
            * {{ safe_divide('good_qty', 'produced_qty') }},
            6
        ) as oee
    from times

)

select * from final
