{%- set ack_template = var('alert_ack_template', '预警确认') -%}
-- The actions that must exist for each alert once it opened (SPEC 8.1/8.3): one row per
-- alert x action. The rule's `oa_task` and `email_task` actions to their roles' people,
-- and one `ack_task` in OA (template 预警确认) for the level-1 person unless an oa_task of
-- the rule already goes to them: its handling is the alert's acknowledgement. The key
-- hashes alert, kind, template and assignee, so the ledger creates each action once.
with

alerts as (

    select * from {{ ref('int_alerts_escalated') }}

),

rules as (

    select
        rule_id,
        level1_role,
        actions
    from {{ ref('stg_excel__alert_rules') }}

),

recipients as (

    select
        alert_id,
        role,
        employee_id,
        employee_name,
        oa_user_id
    from {{ ref('int_alert_recipients_resolved') }}

),

action_items as (

    {{ list_items('rules', 'actions', ';') }}

),

rule_actions as (

    select
        action_items.rule_id,
        action_items.item_position,
        lower(trim(split_part(action_items.item, ':', 1))) as action_kind,
        lower(trim(split_part(action_items.item, ':', 2))) as role,
        trim(split_part(action_items.item, ':', 3)) as template
    from action_items
    where lower(trim(split_part(action_items.item, ':', 1))) in ('oa_task', 'email_task')

),

tasks as (

    select
        alerts.alert_id,
        rule_actions.action_kind,
        rule_actions.template,
        rule_actions.role,
        recipients.employee_id,
        recipients.employee_name,
        recipients.oa_user_id
    from alerts
    inner join rule_actions
        on alerts.rule_id = rule_actions.rule_id
    inner join recipients
        on alerts.alert_id = recipients.alert_id
        and rule_actions.role = recipients.role

),

ack_tasks as (

    select
        alerts.alert_id,
        'ack_task' as action_kind,
        '{{ ack_template }}' as template,
        rules.level1_role as role,
        alerts.owner_id as employee_id,
        recipients.employee_name,
        recipients.oa_user_id
    from alerts
    inner join rules
        on alerts.rule_id = rules.rule_id
    inner join recipients
        on alerts.alert_id = recipients.alert_id
        and rules.level1_role = recipients.role
    where not exists (
            select 1
            from tasks
            where tasks.alert_id = alerts.alert_id
                and tasks.action_kind = 'oa_task'
                and tasks.employee_id = alerts.owner_id
        )

),

actions as (

    select * from tasks
    union all
    select * from ack_tasks

),

final as (

    select
        {{ alert_key([
            'actions.alert_id',
            'actions.action_kind',
            'actions.template',
            'actions.employee_id',
        ]) }} as action_key,
        actions.alert_id,
        alerts.rule_id,
        alerts.rule_name,
        actions.action_kind as kind,
        actions.template,
        actions.role as assignee_role,
        actions.employee_id as assignee_id,
        actions.employee_name as assignee_name,
        actions.oa_user_id as assignee_oa_user_id,
        alerts.scope_type,
        alerts.scope_id,
        alerts.reference,
        alerts.order_id,
        alerts.customer_id,
        alerts.opened_at as due_at
    from actions
    inner join alerts
        on actions.alert_id = alerts.alert_id
    where actions.employee_id is not null

)

select * from final
