{#- alerts.outbox (docs/alerts.md): written by the dispatch; naive UTC timestamps. -#}
{%- set columns = {
    'message_key': dbt.type_string(),
    'alert_id': dbt.type_string(),
    'rule_id': dbt.type_string(),
    adapter.quote('level'): dbt.type_int(),
    'channel': dbt.type_string(),
    'robot': dbt.type_string(),
    'recipient_id': dbt.type_string(),
    'recipient_name': dbt.type_string(),
    'recipient_address': dbt.type_string(),
    'subject': dbt.type_string(),
    'body': dbt.type_string(),
    adapter.quote('state'): dbt.type_string(),
    'attempts': dbt.type_int(),
    'last_error': dbt.type_string(),
    'created_at': dbt.type_timestamp(),
    'next_attempt_at': dbt.type_timestamp(),
    'sent_at': dbt.type_timestamp(),
    'digest_id': dbt.type_string(),
    'batch_at': dbt.type_timestamp(),
} -%}

with

source as (

    {{ optional_source('alerts', 'outbox', columns, landed=false) }}

),

renamed as (

    select
        source.message_key,
        source.alert_id,
        source.rule_id,
        source.{{ adapter.quote('level') }} as alert_level,
        source.channel,
        source.robot,
        source.recipient_id,
        source.recipient_name,
        source.recipient_address,
        source.subject,
        source.body,
        source.{{ adapter.quote('state') }} as message_state,
        coalesce(source.attempts, 0) as attempts,
        source.last_error,
        {{ utc_to_instant('source.created_at') }} as queued_at,
        {{ utc_to_instant('source.next_attempt_at') }} as next_attempt_at,
        {{ utc_to_instant('source.sent_at') }} as sent_at,
        source.digest_id,
        {{ utc_to_instant('source.batch_at') }} as batch_at
    from source

)

select * from renamed
