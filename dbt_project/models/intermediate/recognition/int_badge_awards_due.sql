-- The badges the data earns (SPEC 9.5): one row per employee x badge x level, the first
-- moment the condition held, with its evidence as rows (one award, several evidence rows).
-- training_completed: the HR training record of the badge's course, completed.
-- team_oee_streak: the employee's team at the end of the week the run of met weeks first
-- reached streak_weeks; evidence = the weeks of that run.
-- fct_badge_award appends what is not yet in it; awarded_at is the data's moment, so a
-- rebuild finds the same awards.
with

rules as (

    select
        badge_code,
        badge_level,
        badge_name,
        badge_name_en,
        condition_name,
        course_code
    from {{ ref('stg_excel__badge_rules') }}
    where is_enabled

),

trainings as (

    select
        training_record_id,
        employee_id,
        course_code,
        course_name,
        completed_on
    from {{ ref('stg_hr__training_records') }}
    where training_status = 'completed'
        and completed_on is not null

),

training_evidence as (

    select
        trainings.employee_id,
        rules.badge_code,
        rules.badge_level,
        'training_record' as evidence_type,
        trainings.training_record_id as evidence_ref,
        {{ plant_date_start('trainings.completed_on') }} as evidence_at,
        trainings.course_code || ' ' || coalesce(trainings.course_name, '')
        || ' @ ' || cast(trainings.completed_on as {{ dbt.type_string() }}) as evidence_text
    from trainings
    inner join rules
        on trainings.course_code = rules.course_code
        and rules.condition_name = 'training_completed'

),

weeks as (

    select * from {{ ref('int_team_oee_weeks_streaked') }}

),

streak_reached as (

    -- The first week each team's run reached the badge's length.
    select
        team_id,
        badge_code,
        badge_level,
        min(week_start) as reached_week_start
    from weeks
    where streak_length = streak_weeks
    group by team_id, badge_code, badge_level

),

streak_weeks as (

    select
        weeks.team_id,
        weeks.badge_code,
        weeks.badge_level,
        weeks.week_start,
        weeks.shifts_on_target,
        weeks.shift_count,
        weeks.week_end_at,
        max(
            case
                when weeks.week_start = streak_reached.reached_week_start
                    then weeks.week_end_at
            end
        ) over (partition by weeks.team_id, weeks.badge_code, weeks.badge_level)
            as reached_at
    from weeks
    inner join streak_reached
        on weeks.team_id = streak_reached.team_id
        and weeks.badge_code = streak_reached.badge_code
        and weeks.badge_level = streak_reached.badge_level
        and weeks.week_start <= streak_reached.reached_week_start
        and weeks.week_start
        > {{ add_days('streak_reached.reached_week_start', '-7 * weeks.streak_weeks') }}

),

members as (

    select
        employee_id,
        team_id,
        valid_from_at,
        valid_to_at
    from {{ ref('int_employee_teams_historized') }}

),

streak_evidence as (

    select
        members.employee_id,
        streak_weeks.badge_code,
        streak_weeks.badge_level,
        'team_oee_week' as evidence_type,
        streak_weeks.team_id || '@' || cast(streak_weeks.week_start as {{ dbt.type_string() }})
            as evidence_ref,
        streak_weeks.week_end_at as evidence_at,
        streak_weeks.team_id || ' ' || cast(streak_weeks.week_start as {{ dbt.type_string() }})
        || ' ' || cast(streak_weeks.shifts_on_target as {{ dbt.type_string() }})
        || '/' || cast(streak_weeks.shift_count as {{ dbt.type_string() }}) as evidence_text,
        streak_weeks.reached_at
    from streak_weeks
    inner join members
        on streak_weeks.team_id = members.team_id
        and (members.valid_from_at is null or members.valid_from_at <= streak_weeks.reached_at)
        and (members.valid_to_at is null or members.valid_to_at > streak_weeks.reached_at)

),

evidence as (

    select
        employee_id,
        badge_code,
        badge_level,
        evidence_type,
        evidence_ref,
        evidence_at,
        evidence_text,
        evidence_at as qualifies_at
    from training_evidence
    union all
    select
        employee_id,
        badge_code,
        badge_level,
        evidence_type,
        evidence_ref,
        evidence_at,
        evidence_text,
        reached_at as qualifies_at
    from streak_evidence

),

awarded as (

    select
        employee_id,
        badge_code,
        badge_level,
        min(qualifies_at) as awarded_at
    from evidence
    group by employee_id, badge_code, badge_level

),

final as (

    select
        {{ alert_key(['awarded.employee_id', 'awarded.badge_code', 'awarded.badge_level']) }}
            as badge_award_id,
        awarded.employee_id,
        awarded.badge_code,
        rules.badge_name,
        rules.badge_name_en,
        awarded.badge_level,
        awarded.awarded_at,
        evidence.evidence_type,
        evidence.evidence_ref,
        evidence.evidence_at,
        evidence.evidence_text
    from awarded
    inner join rules
        on awarded.badge_code = rules.badge_code
        and awarded.badge_level = rules.badge_level
    inner join evidence
        on awarded.employee_id = evidence.employee_id
        and awarded.badge_code = evidence.badge_code
        and awarded.badge_level = evidence.badge_level
        and evidence.qualifies_at = awarded.awarded_at

)

select * from final
