-- Every piece of evidence for a skill (SPEC 9.4): one row per evidence. A completed
-- micro-feedback answer (an OA task of a feedback rule's template, archived 归档 in OA:
-- int_alert_tasks_read_back) and a passed training course that a badge rule names with a
-- skill. Evidence is what happened, dated by when it happened.
with

feedback_rules as (

    select
        feedback_rule_id,
        event_name,
        alert_rule_id,
        template,
        skill_code
    from {{ ref('stg_excel__feedback_rules') }}
    where is_enabled

),

tasks as (

    select
        action_key,
        rule_id,
        template,
        assignee_id,
        oa_request_id,
        completed_at
    from {{ ref('int_alert_tasks_read_back') }}
    where completed_at is not null
        and assignee_id is not null

),

answers as (

    select
        tasks.assignee_id as employee_id,
        feedback_rules.skill_code,
        'feedback_answer' as evidence_type,
        coalesce(tasks.oa_request_id, tasks.action_key) as evidence_ref,
        tasks.completed_at as evidence_at
    from tasks
    inner join feedback_rules
        on tasks.template = feedback_rules.template
        and tasks.rule_id = case feedback_rules.event_name
            when 'alert_task' then feedback_rules.alert_rule_id
            else feedback_rules.feedback_rule_id
        end

),

course_skills as (

    select distinct
        course_code,
        skill_code
    from {{ ref('stg_excel__badge_rules') }}
    where condition_name = 'training_completed'
        and skill_code is not null
        and is_enabled

),

trainings as (

    select
        training.employee_id,
        course_skills.skill_code,
        'training' as evidence_type,
        training.training_record_id as evidence_ref,
        {{ plant_date_start('training.completed_on') }} as evidence_at
    from {{ ref('stg_hr__training_records') }} as training
    inner join course_skills
        on training.course_code = course_skills.course_code
    where training.training_status = 'completed'
        and training.completed_on is not null

),

final as (

    select * from answers
    union all
    select * from trainings

)

select * from final
