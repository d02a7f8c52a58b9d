-- The 「精益先锋」 condition (SPEC 9.5) per team and ISO week: how many of the team's shifts
-- met the team's OEE target, the share, whether the week counts (share >= the badge's
-- share_of_shifts) and how long the run of counting weeks is up to this one. A shift's
-- OEE is ideal x good / (busy x produced) over the team's machines in that shift (as
-- int_oee_kpis_computed); a week without shifts breaks the run. Only weeks that ended by the
-- as-of day are judged: a week still running could meet the share on its first shifts and
-- miss it by Sunday, and the ledger never takes an award back. One row per team x week x
-- streak badge rule.
with

machine_shifts as (

    select
        team_id,
        shift_date,
        shift_code,
        window_end_at,
        planned_busy_minutes,
        ideal_minutes,
        produced_qty,
        good_qty
    from {{ ref('fct_oee_shift') }}
    where team_id is not null

),

team_shifts as (

    select
        team_id,
        shift_date,
        shift_code,
        max(window_end_at) as shift_end_at,
        {{ safe_divide(
            'sum(ideal_minutes) * sum(good_qty)',
            'sum(planned_busy_minutes) * sum(produced_qty)',
        ) }} as oee
    from machine_shifts
    group by team_id, shift_date, shift_code

),

oee_targets as (

    select
        scope_type,
        scope_id,
        target
    from {{ ref('int_kpi_targets_resolved') }}
    where kpi_code = 'oee'

),

team_ids as (

    select distinct team_id from team_shifts

),

targets as (

    -- The team's own OEE target if the workbook or seed names one, else the plant default.
    select
        team_ids.team_id,
        coalesce(min(own.target), min(plant_default.target)) as target
    from team_ids
    left join oee_targets as own
        on own.scope_type = 'team'
        and team_ids.team_id = own.scope_id
    left join oee_targets as plant_default
        on plant_default.scope_type = '*'
    group by team_ids.team_id
    having coalesce(min(own.target), min(plant_default.target)) is not null

),

horizon as (

    select as_of_date from {{ ref('int_data_horizons_resolved') }}

),

rules as (

    select
        badge_code,
        badge_level,
        share_of_shifts,
        streak_weeks
    from {{ ref('stg_excel__badge_rules') }}
    where condition_name = 'team_oee_streak'
        and is_enabled

),

weeks as (

    select
        team_shifts.team_id,
        {{ iso_week_start('team_shifts.shift_date') }} as week_start,
        max(targets.target) as oee_target,
        count(*) as shift_count,
        sum(case when team_shifts.oee >= targets.target then 1 else 0 end) as shifts_on_target,
        max(team_shifts.shift_end_at) as week_end_at
    from team_shifts
    inner join targets
        on team_shifts.team_id = targets.team_id
    group by team_shifts.team_id, {{ iso_week_start('team_shifts.shift_date') }}

),

judged as (

    select
        weeks.*,
        rules.badge_code,
        rules.badge_level,
        rules.share_of_shifts,
        rules.streak_weeks,
        cast(weeks.shifts_on_target as double) / weeks.shift_count as share_on_target,
        cast(weeks.shifts_on_target as double) / weeks.shift_count >= rules.share_of_shifts
            as is_week_met
    from weeks
    cross join rules
    cross join horizon
    where {{ add_days('weeks.week_start', 6) }} <= horizon.as_of_date

),

islands as (

    -- Consecutive met weeks share one island: the week minus 7 days x its rank among the
    -- team's met weeks is constant along a run, and changes after a gap.
    select
        judged.*,
        case when judged.is_week_met then
            {{ add_days(
                'judged.week_start',
                '-7 * row_number() over (partition by judged.team_id, judged.badge_code, '
                ~ 'judged.badge_level, judged.is_week_met order by judged.week_start)',
            ) }}
        end as island_start
    from judged

),

final as (

    select
        team_id,
        week_start,
        badge_code,
        badge_level,
        oee_target,
        shift_count,
        shifts_on_target,
        share_on_target,
        share_of_shifts,
        is_week_met,
        streak_weeks,
        case
            when is_week_met
                then row_number() over (
                        partition by team_id, badge_code, badge_level, island_start
                        order by week_start
                    )
            else 0
        end as streak_length,
        week_end_at
    from islands

)

select * from final
