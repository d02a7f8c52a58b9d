-- One row per alert episode (SPEC 8.2-8.3): the rule and scope, when it opened, the value
-- against the threshold, the level reached by the batch's as-of moment, when it was
-- acknowledged, escalated and resolved, and the people it went to.
with

alerts as (

    select * from {{ ref('int_alerts_escalated') }}

),

final as (

    select
        alerts.alert_id,
        alerts.rule_id,
        alerts.rule_name,
        alerts.scope_type,
        alerts.scope_id,
        alerts.episode_start_at,
        alerts.opened_at,
        alerts.observed_value,
        alerts.comparator,
        alerts.threshold,
        alerts.level_reached,
        alerts.acknowledged_at,
        alerts.level2_at,
        alerts.level3_at,
        alerts.resolved_at,
        alerts.resolved_at is null as is_open,
        alerts.reference,
        alerts.line_id,
        alerts.team_id,
        alerts.machine_id,
        alerts.order_id,
        alerts.customer_id,
        alerts.owner_id,
        alerts.cc_id,
        alerts.level2_recipient_id,
        alerts.level3_recipient_id,
        alerts.as_of_at
    from alerts

)

select * from final
