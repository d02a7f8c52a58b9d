-- One row per team per plant hour in which the team produced, was inspected, attended or
-- ran its line: the components of SPEC 5.3 (三率一效) and the four rates. Roll-ups sum the
-- components and divide once (see kpi_daily); never average these rates.
with

produced as (

    select * from {{ ref('int_team_hours_produced') }}

),

inspected as (

    select * from {{ ref('int_team_hours_inspected') }}

),

attended as (

    select * from {{ ref('int_team_hours_attended') }}

),

operated as (

    select * from {{ ref('int_team_hours_operated') }}

),

teams as (

    select
        team_id,
        line_id
    from {{ ref('stg_hr__teams') }}

),

line_hours as (

    select * from {{ ref('int_line_hours_measured') }}

),

team_hours as (

    select
        team_id,
        hour_at
    from produced
    union
    select
        team_id,
        hour_at
    from inspected
    union
    select
        team_id,
        hour_at
    from attended
    union
    select
        team_id,
        hour_at
    from operated

),

joined as (

    select
        team_hours.team_id,
        team_hours.hour_at,
        teams.line_id,
        coalesce(produced.produced_qty, 0) as produced_qty,
        coalesce(produced.good_qty, 0) as good_qty,
        coalesce(inspected.first_inspected_qty, 0) as first_inspected_qty,
        coalesce(inspected.first_passed_qty, 0) as first_passed_qty,
        coalesce(inspected.reworked_qty, 0) as reworked_qty,
        coalesce(operated.planned_production_minutes, 0) as planned_production_minutes,
        coalesce(operated.unplanned_downtime_minutes, 0) as unplanned_downtime_minutes,
        coalesce(operated.unplanned_stop_count, 0) as unplanned_stop_count,
        coalesce(produced.standard_hours_earned, 0) as standard_hours_earned,
        coalesce(attended.attended_hours, 0) as attended_hours,
        coalesce(attended.attending_employee_count, 0) as attending_employee_count,
        -- The line's measures belong to the crew running it in that hour.
        case when operated.team_id is not null then line_hours.weld_strength_cv end
            as weld_strength_cv,
        case when operated.team_id is not null then line_hours.weld_strength_cv_threshold end
            as weld_strength_cv_threshold,
        case when operated.team_id is not null then line_hours.voc_over_limit_count end
            as voc_over_limit_count,
        case when operated.team_id is not null then line_hours.voc_over_limit_threshold end
            as voc_over_limit_threshold,
        coalesce(line_hours.is_threshold_breached and operated.team_id is not null, false)
            as is_line_threshold_breached
    from team_hours
    left join teams
        on team_hours.team_id = teams.team_id
    left join produced
        on team_hours.team_id = produced.team_id
        and team_hours.hour_at = produced.hour_at
    left join inspected
        on team_hours.team_id = inspected.team_id
        and team_hours.hour_at = inspected.hour_at
    left join attended
        on team_hours.team_id = attended.team_id
        and team_hours.hour_at = attended.hour_at
    left join operated
        on team_hours.team_id = operated.team_id
        and team_hours.hour_at = operated.hour_at
    -- An equi-join (a condition on `operated` here would make it a nested loop); rows of
    -- hours the team did not run its line drop the measures above.
    left join line_hours
        on teams.line_id = line_hours.line_id
        and team_hours.hour_at = line_hours.hour_at

),

final as (

    select
        {{ concat_key(['team_id', timestamp_key('hour_at')], '@') }} as team_hour_id,
        team_id,
        hour_at,
        {{ to_plant_date('hour_at') }} as hour_date,
        cast(extract(hour from {{ to_plant_time('hour_at') }}) as integer) as hour_of_day,
        line_id,
        produced_qty,
        good_qty,
        first_inspected_qty,
        first_passed_qty,
        reworked_qty,
        cast(planned_production_minutes as double) as planned_production_minutes,
        cast(unplanned_downtime_minutes as double) as unplanned_downtime_minutes,
        unplanned_stop_count,
        cast(standard_hours_earned as double) as standard_hours_earned,
        cast(attended_hours as double) as attended_hours,
        attending_employee_count,
        {{ rate('first_passed_qty', 'first_inspected_qty') }} as first_pass_yield,
        {{ rate('reworked_qty', 'produced_qty') }} as rework_rate,
        {{ rate('unplanned_downtime_minutes', 'planned_production_minutes') }}
            as downtime_rate,
        {{ rate('standard_hours_earned', 'attended_hours') }} as output_per_head,
        weld_strength_cv,
        weld_strength_cv_threshold,
        voc_over_limit_count,
        voc_over_limit_threshold,
        is_line_threshold_breached
    from joined

)

select * from final
