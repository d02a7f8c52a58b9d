-- Machine time per team per plant hour on the team's line during its shift: planned
-- production minutes (not in a planned stop) and unplanned downtime minutes, summed over
-- the line's machines.
with

segments as (

    select
        team_id,
        hour_at,
        machine_id,
        machine_state,
        segment_minutes,
        is_state_start
    from {{ ref('int_machine_state_intervals_split') }}
    where team_id is not null

),

final as (

    select
        {{ concat_key(['team_id', timestamp_key('hour_at')], '@') }} as team_hour_id,
        team_id,
        hour_at,
        count(distinct machine_id) as machine_count,
        -- Rounded: a float sum's last digits depend on the order rows arrive in.
        round(coalesce(
            sum(segment_minutes) filter (where machine_state in ('running', 'unplanned_down')), 0
        ), 6) as planned_production_minutes,
        round(coalesce(
            sum(segment_minutes) filter (where machine_state = 'unplanned_down'), 0
        ), 6) as unplanned_downtime_minutes,
        count(*) filter (where machine_state = 'unplanned_down' and is_state_start)
            as unplanned_stop_count
    from segments
    group by team_id, hour_at

)

select * from final
