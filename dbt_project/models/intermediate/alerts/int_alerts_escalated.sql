-- Alert episodes with their people, acknowledgement and levels at the batch's as-of moment
-- (SPEC 8.3): one row per alert. Acknowledgement is the first handling in OA of the task
-- perfchain created for the alert's level-1 person (else of its first OA task), counted
-- only when it happened by the as-of moment. Level 2 comes at opened_at + the rule's
-- level-1 timeout when the alert is neither acknowledged nor resolved by then and that
-- moment has come; level 3 likewise at level 2 + the level-2 timeout. A replay of any
-- moment gives the same levels.
with

alerts as (

    select * from {{ ref('int_alert_episodes_opened') }}

),

rules as (

    select
        rule_id,
        rule_name,
        level1_role,
        cc_role,
        ack_timeout_l1_minutes,
        ack_timeout_l2_minutes
    from {{ ref('stg_excel__alert_rules') }}

),

recipients as (

    select
        alert_id,
        role,
        employee_id
    from {{ ref('int_alert_recipients_resolved') }}

),

tasks as (

    select
        alert_id,
        action_key,
        assignee_id,
        created_at,
        acknowledged_at
    from {{ ref('int_alert_tasks_read_back') }}
    where oa_request_id is not null

),

as_of as (

    {{ alert_as_of() }}

),

people as (

    select
        alerts.alert_id,
        max(case when recipients.role = rules.level1_role then recipients.employee_id end)
            as owner_id,
        max(case when recipients.role = rules.cc_role then recipients.employee_id end)
            as cc_id,
        max(case when recipients.role = 'department_head' then recipients.employee_id end)
            as level2_recipient_id,
        max(case when recipients.role = 'plant_manager' then recipients.employee_id end)
            as level3_recipient_id
    from alerts
    inner join rules
        on alerts.rule_id = rules.rule_id
    left join recipients
        on alerts.alert_id = recipients.alert_id
    group by alerts.alert_id

),

tasks_ranked as (

    select
        tasks.alert_id,
        tasks.acknowledged_at,
        row_number() over (
            partition by tasks.alert_id
            order by
                case when tasks.assignee_id = people.owner_id then 0 else 1 end,
                tasks.created_at,
                tasks.action_key
        ) as task_rank
    from tasks
    inner join people
        on tasks.alert_id = people.alert_id

),

acknowledged as (

    select
        tasks_ranked.alert_id,
        tasks_ranked.acknowledged_at
    from tasks_ranked
    cross join as_of
    where tasks_ranked.task_rank = 1
        and tasks_ranked.acknowledged_at <= as_of.as_of_at

),

deadlines as (

    select
        alerts.*,
        rules.rule_name,
        rules.ack_timeout_l1_minutes,
        rules.ack_timeout_l2_minutes,
        people.owner_id,
        people.cc_id,
        people.level2_recipient_id,
        people.level3_recipient_id,
        acknowledged.acknowledged_at,
        as_of.as_of_at,
        {{ add_minutes('alerts.opened_at', 'rules.ack_timeout_l1_minutes') }} as level2_due_at,
        {{ add_minutes(
            add_minutes('alerts.opened_at', 'rules.ack_timeout_l1_minutes'),
            'rules.ack_timeout_l2_minutes'
        ) }} as level3_due_at
    from alerts
    inner join rules
        on alerts.rule_id = rules.rule_id
    inner join people
        on alerts.alert_id = people.alert_id
    left join acknowledged
        on alerts.alert_id = acknowledged.alert_id
    cross join as_of

),

-- Escalated to a level when its moment has come and the alert was neither acknowledged
-- nor resolved by then (a handling or a clear window exactly at the deadline is in time).
levels as (

    select
        deadlines.*,
        case
            when deadlines.level2_due_at <= deadlines.as_of_at
                and coalesce(deadlines.acknowledged_at > deadlines.level2_due_at, true)
                and coalesce(deadlines.resolved_at > deadlines.level2_due_at, true)
                then deadlines.level2_due_at
        end as level2_at,
        case
            when deadlines.level3_due_at <= deadlines.as_of_at
                and coalesce(deadlines.acknowledged_at > deadlines.level3_due_at, true)
                and coalesce(deadlines.resolved_at > deadlines.level3_due_at, true)
                then deadlines.level3_due_at
        end as level3_at
    from deadlines

),

final as (

    select
        levels.alert_id,
        levels.rule_id,
        levels.rule_name,
        levels.scope_type,
        levels.scope_id,
        levels.episode_start_at,
        levels.opened_at,
        levels.observed_value,
        levels.comparator,
        levels.threshold,
        case
            when levels.level3_at is not null then 3
            when levels.level2_at is not null then 2
            else 1
        end as level_reached,
        levels.acknowledged_at,
        levels.level2_at,
        levels.level3_at,
        levels.resolved_at,
        levels.reference,
        levels.line_id,
        levels.team_id,
        levels.machine_id,
        levels.order_id,
        levels.customer_id,
        levels.owner_id,
        levels.cc_id,
        levels.level2_recipient_id,
        levels.level3_recipient_id,
        levels.as_of_at
    from levels

)

select * from final
