-- Machine time inside scheduled shifts, by state: each MTConnect state lasts until the
-- machine's next state change (the last one until the end of the as-of plant day), cut
-- at shift window and plant-hour boundaries. Time outside every scheduled shift of the
-- machine's line is not production time and is left out.
-- A recorded gap (state 'unavailable', docs/sources/mes.md "Gaps") is a state like the
-- others here: its time is unknown, and fct_oee_shift counts it as neither run nor down.
-- A table, rebuilt whole each night: a restart's snapshot or a gap can change intervals
-- far behind the newest one (the interval a late state change closes started where it
-- started), which an incremental window cut at the table's own newest segment kept wrong
-- until a full refresh. Rebuilding is cheap: 0.4 s for the demo plant's 32 machines over
-- 31 days (20,655 segments; tests/warehouse/test_mes_gaps.py's nights).
with

equipment as (

    select
        machine_id,
        line_id,
        mtconnect_uuid
    from {{ ref('stg_mes__equipment') }}

),

machine_states as (

    select
        mtconnect_uuid,
        state_started_at,
        machine_state,
        reason_code
    from {{ ref('stg_mes__machine_states') }}

),

horizon as (

    select as_of_end_at from {{ ref('int_data_horizons_resolved') }}

),

shift_windows as (

    select
        team_id,
        line_id,
        shift_date,
        shift_code,
        window_start_at,
        window_end_at,
        -- Two crews never share a line-shift; if a schedule says so, count it once.
        row_number() over (
            partition by line_id, window_start_at order by team_id
        ) as crew_rank
    from {{ ref('int_shift_windows_scheduled') }}

),

intervals as (

    select
        equipment.machine_id,
        equipment.line_id,
        machine_states.machine_state,
        machine_states.reason_code,
        machine_states.state_started_at,
        least(
            coalesce(
                lead(machine_states.state_started_at) over (
                    partition by machine_states.mtconnect_uuid
                    order by machine_states.state_started_at
                ),
                horizon.as_of_end_at
            ),
            horizon.as_of_end_at
        ) as state_ended_at
    from machine_states
    inner join equipment
        on machine_states.mtconnect_uuid = equipment.mtconnect_uuid
    cross join horizon

),

intervals_in_shifts as (

    select
        intervals.machine_id,
        intervals.line_id,
        shift_windows.team_id,
        shift_windows.shift_date,
        shift_windows.shift_code,
        intervals.machine_state,
        intervals.reason_code,
        intervals.state_started_at,
        greatest(intervals.state_started_at, shift_windows.window_start_at) as piece_start_at,
        least(intervals.state_ended_at, shift_windows.window_end_at) as piece_end_at
    from intervals
    inner join shift_windows
        on intervals.line_id = shift_windows.line_id
        and shift_windows.crew_rank = 1
        and intervals.state_started_at < shift_windows.window_end_at
        and intervals.state_ended_at > shift_windows.window_start_at

),

hours_expanded as (

    select
        intervals_in_shifts.*,
        {{ hour_starts_between('intervals_in_shifts.piece_start_at',
            'intervals_in_shifts.piece_end_at') }} as hour_at
    from intervals_in_shifts

),

segments as (

    select
        hours_expanded.machine_id,
        hours_expanded.line_id,
        hours_expanded.team_id,
        hours_expanded.shift_date,
        hours_expanded.shift_code,
        hours_expanded.hour_at,
        hours_expanded.machine_state,
        hours_expanded.reason_code,
        hours_expanded.state_started_at,
        greatest(hours_expanded.piece_start_at, hours_expanded.hour_at) as segment_start_at,
        least(hours_expanded.piece_end_at, {{ add_hours('hours_expanded.hour_at', 1) }})
            as segment_end_at
    from hours_expanded

),

final as (

    select
        {{ concat_key(['segments.machine_id', timestamp_key('segments.segment_start_at')], '@') }}
            as machine_segment_id,
        segments.machine_id,
        segments.line_id,
        segments.team_id,
        segments.shift_date,
        segments.shift_code,
        segments.hour_at,
        segments.machine_state,
        segments.reason_code,
        segments.state_started_at,
        segments.segment_start_at = segments.state_started_at as is_state_start,
        segments.segment_start_at,
        segments.segment_end_at,
        cast(
            {{ minutes_between('segments.segment_start_at', 'segments.segment_end_at') }}
            as double
        ) as segment_minutes
    from segments
    where segments.segment_end_at > segments.segment_start_at

)

select * from final
