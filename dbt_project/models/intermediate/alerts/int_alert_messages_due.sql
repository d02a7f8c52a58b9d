{%- set default_robot = var('alert_default_robot', 'plant') -%}
{%- set address_template = var('alert_email_address_template', '{oa_user_id}@plant.local') -%}
-- The messages that must exist by the batch's as-of moment (SPEC 8.2-8.4): one row per
-- alert x level reached x channel x recipient. Level 1 at opening to the rule's level-1
-- role, its cc role and the roles of its `message` actions; level 2 to the department
-- head; level 3 to the plant manager. The key hashes rule, scope, episode start, level,
-- channel and recipient: every batch computes the same key for the same message, and the
-- outbox inserts a key once, so nothing is ever sent twice.
with

alerts as (

    select * from {{ ref('int_alerts_escalated') }}

),

rules as (

    select
        rule_id,
        level1_role,
        cc_role,
        window_grain,
        channels,
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
    where employee_id is not null

),

channel_items as (

    {{ list_items('rules', 'channels', ',') }}

),

action_items as (

    {{ list_items('rules', 'actions', ';') }}

),

level_roles as (

    select
        rules.rule_id,
        1 as alert_level,
        rules.level1_role as role
    from rules
    union
    select
        rules.rule_id,
        1 as alert_level,
        rules.cc_role as role
    from rules
    where rules.cc_role is not null
    union
    select
        action_items.rule_id,
        1 as alert_level,
        lower(trim(split_part(action_items.item, ':', 2))) as role
    from action_items
    where lower(trim(split_part(action_items.item, ':', 1))) = 'message'
    union
    select
        rules.rule_id,
        2 as alert_level,
        'department_head' as role
    from rules
    union
    select
        rules.rule_id,
        3 as alert_level,
        'plant_manager' as role
    from rules

),

alert_levels as (

    select
        alerts.*,
        level_roles.alert_level,
        level_roles.role,
        case level_roles.alert_level
            when 1 then alerts.opened_at
            when 2 then alerts.level2_at
            when 3 then alerts.level3_at
        end as due_at
    from alerts
    inner join level_roles
        on alerts.rule_id = level_roles.rule_id
    where level_roles.alert_level <= alerts.level_reached

),

-- One person with two roles at one level gets one message (named by the first role).
level_recipients as (

    select
        alert_levels.alert_id,
        alert_levels.alert_level,
        recipients.employee_id,
        min(recipients.employee_name) as employee_name,
        min(recipients.oa_user_id) as oa_user_id,
        min(alert_levels.role) as role
    from alert_levels
    inner join recipients
        on alert_levels.alert_id = recipients.alert_id
        and alert_levels.role = recipients.role
    group by alert_levels.alert_id, alert_levels.alert_level, recipients.employee_id

),

channels as (

    select
        channel_items.rule_id,
        channel_items.item as channel_spec,
        split_part(channel_items.item, ':', 1) as channel,
        case
            when split_part(channel_items.item, ':', 1) in ('wecom', 'dingtalk')
                then coalesce(
                        nullif(split_part(channel_items.item, ':', 2), ''), '{{ default_robot }}'
                    )
        end as robot
    from channel_items

),

final as (

    select
        {{ alert_key([
            'alerts.rule_id',
            'alerts.scope_type',
            'alerts.scope_id',
            timestamp_key('alerts.episode_start_at'),
            'level_recipients.alert_level',
            'channels.channel_spec',
            'level_recipients.employee_id',
        ]) }} as message_key,
        alerts.alert_id,
        alerts.rule_id,
        alerts.rule_name,
        level_recipients.alert_level as {{ adapter.quote('level') }},
        channels.channel,
        channels.robot,
        level_recipients.employee_id as recipient_id,
        level_recipients.employee_name as recipient_name,
        level_recipients.role as recipient_role,
        case
            when channels.channel = 'email'
                then replace(
                        '{{ address_template }}', '{oa_user_id}', level_recipients.oa_user_id
                    )
            else level_recipients.oa_user_id
        end as recipient_address,
        alerts.scope_type,
        alerts.scope_id,
        alerts.reference,
        alerts.observed_value,
        alerts.threshold,
        alerts.comparator,
        rules.window_grain as {{ adapter.quote('window') }},
        alerts.opened_at,
        case level_recipients.alert_level
            when 1 then alerts.opened_at
            when 2 then alerts.level2_at
            else alerts.level3_at
        end as due_at
    from alerts
    inner join rules
        on alerts.rule_id = rules.rule_id
    inner join level_recipients
        on alerts.alert_id = level_recipients.alert_id
    inner join channels
        on alerts.rule_id = channels.rule_id

)

select * from final
