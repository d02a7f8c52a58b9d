-- One row per machine per scheduled shift: OEE per ISO 22400-2 (SPEC 5.4).
--   planned busy time = shift time - planned stops
--   run time          = planned busy time - unplanned downtime
--   availability = run / planned busy; performance = ideal time / run time
--   quality = good / produced; OEE = availability x performance x quality
-- The minute and quantity components are kept so every roll-up can sum them and divide
-- once (kpi_daily does); averaging these ratios is wrong.
-- Unknown machine states (a recorded gap, docs/sources/mes.md "Gaps") are neither run
-- nor down: every plant hour of the shift with unknown time is left out whole, its
-- minutes and its production counts alike (counts come by the hour), and shown as
-- unknown_minutes; OEE is computed on the rest, and data_coverage says how much that is.
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
        hour_at,
        machine_state,
        segment_start_at,
        segment_end_at,
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

unknown_hours as (

    select distinct
        machine_id,
        shift_date,
        shift_code,
        hour_at
    from segments
    where machine_state = 'unavailable'

),

segments_flagged as (

    select
        segments.*,
        unknown_hours.hour_at is not null as is_in_unknown_hour
    from segments
    left join unknown_hours
        on segments.machine_id = unknown_hours.machine_id
        and segments.shift_date = unknown_hours.shift_date
        and segments.shift_code = unknown_hours.shift_code
        and segments.hour_at = unknown_hours.hour_at

),

state_minutes as (

    select
        segments_flagged.machine_id,
        segments_flagged.shift_date,
        segments_flagged.shift_code,
        round(coalesce(sum(segments_flagged.segment_minutes) filter (
            where segments_flagged.machine_state = 'planned_stop'
            and not segments_flagged.is_in_unknown_hour
        ), 0), 6) as planned_stop_minutes,
        round(coalesce(sum(segments_flagged.segment_minutes) filter (
            where segments_flagged.machine_state = 'unplanned_down'
            and not segments_flagged.is_in_unknown_hour
        ), 0), 6) as unplanned_downtime_minutes,
        count(*) filter (
            where segments_flagged.machine_state = 'unplanned_down'
            and segments_flagged.is_state_start
            and not segments_flagged.is_in_unknown_hour
        ) as unplanned_stop_count,
        round(coalesce(sum(segments_flagged.segment_minutes) filter (
            where segments_flagged.is_in_unknown_hour
        ), 0), 6) as unknown_minutes,
        min(segments_flagged.segment_start_at) filter (
            where segments_flagged.machine_state = 'unavailable'
        ) as unknown_from_at,
        max(segments_flagged.segment_end_at) filter (
            where segments_flagged.machine_state = 'unavailable'
        ) as unknown_until_at
    from segments_flagged
    group by
        segments_flagged.machine_id,
        segments_flagged.shift_date,
        segments_flagged.shift_code

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
        coalesce(state_minutes.unknown_minutes, 0) as unknown_minutes,
        state_minutes.unknown_from_at,
        state_minutes.unknown_until_at,
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
        components.shift_minutes
        - components.unknown_minutes
        - components.planned_stop_minutes as planned_busy_minutes,
        components.shift_minutes
        - components.unknown_minutes
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
        cast(unknown_minutes as double) as unknown_minutes,
        unknown_from_at,
        unknown_until_at,
        {{ rate('shift_minutes - unknown_minutes', 'shift_minutes') }} as data_coverage,
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
