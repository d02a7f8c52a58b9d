-- One row per alert message (SPEC 8.2/8.4): every message due by the batch's as-of moment
-- and every row of the outbox (a platform alert, level 0, is in the outbox only), with its
-- sending state; `due` when the dispatch has not queued it yet.
with

messages_due as (

    select
        message_key,
        alert_id,
        rule_id,
        {{ adapter.quote('level') }} as alert_level,
        channel,
        robot,
        recipient_id,
        recipient_role,
        due_at
    from {{ ref('int_alert_messages_due') }}

),

outbox as (

    select * from {{ ref('stg_alerts__outbox') }}

),

final as (

    select
        coalesce(messages_due.message_key, outbox.message_key) as message_key,
        coalesce(messages_due.alert_id, outbox.alert_id) as alert_id,
        coalesce(messages_due.rule_id, outbox.rule_id) as rule_id,
        coalesce(messages_due.alert_level, outbox.alert_level) as {{ adapter.quote('level') }},
        coalesce(messages_due.channel, outbox.channel) as channel,
        coalesce(messages_due.robot, outbox.robot) as robot,
        coalesce(messages_due.recipient_id, outbox.recipient_id) as recipient_id,
        messages_due.recipient_role,
        messages_due.due_at,
        outbox.queued_at,
        outbox.sent_at,
        coalesce(outbox.message_state, 'due') as {{ adapter.quote('state') }},
        coalesce(outbox.attempts, 0) as attempts,
        outbox.last_error,
        outbox.digest_id
    from messages_due
    full outer join outbox
        on messages_due.message_key = outbox.message_key

)

select * from final
