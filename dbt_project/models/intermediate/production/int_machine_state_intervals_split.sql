{{
    config(
        materialized='incremental',
        unique_key='machine_segment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Machine time inside scheduled shifts, by state: each MTConnect state lasts until the
-- machine's next state change (the last one until the end of the as-of plant day), cut
-- at shift window and plant-hour boundaries. Time outside every scheduled shift of the
-- machine's line is not production time and is left out.
-- Incremental: recomputes from var('lookback_hours') before the newest segment (aligned
-- to the hour, so no segment straddles the cut), so late state changes are merged.
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

cutoff as (

    {% if is_incremental() -%}
    select
        {{ plant_hour_start(
            "max(segment_end_at) - to_hours(" ~ var('lookback_hours') ~ ")"
        ) }} as cutoff_at
    from {{ this }}
    {%- else -%}
    select cast(null as timestamptz) as cutoff_at
    {%- endif %}

),

states_at_cutoff as (

    -- Each machine's state in force at the cutoff (its last change before it).
    select
        machine_states.mtconnect_uuid,
        max(machine_states.state_started_at) as state_started_at
    from machine_states
    cross join cutoff
    where machine_states.state_started_at < cutoff.cutoff_at
    group by machine_states.mtconnect_uuid

),

states_in_scope as (

    select machine_states.*
    from machine_states
    cross join cutoff
    left join states_at_cutoff
        on machine_states.mtconnect_uuid = states_at_cutoff.mtconnect_uuid
        and machine_states.state_started_at = states_at_cutoff.state_started_at
    where cutoff.cutoff_at is null
        or machine_states.state_started_at >= cutoff.cutoff_at
        or states_at_cutoff.mtconnect_uuid is not null

),

intervals as (

    select
        equipment.machine_id,
        equipment.line_id,
        states_in_scope.machine_state,
        states_in_scope.reason_code,
        states_in_scope.state_started_at,
        least(
            coalesce(
                lead(states_in_scope.state_started_at) over (
                    partition by states_in_scope.mtconnect_uuid
                    order by states_in_scope.state_started_at
                ),
                horizon.as_of_end_at
            ),
            horizon.as_of_end_at
        ) as state_ended_at
    from states_in_scope
    inner join equipment
        on states_in_scope.mtconnect_uuid = equipment.mtconnect_uuid
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
        cast({{ minutes_between('segments.segment_start_at', 'segments.segment_end_at') }}
            as double) as segment_minutes
    from segments
    cross join cutoff
    where segments.segment_end_at > segments.segment_start_at
        and (cutoff.cutoff_at is null or segments.segment_start_at >= cutoff.cutoff_at)

)

select * from final
