{#- alerts.action_tasks (docs/alerts.md): the ledger of the actions perfchain took for its
    alerts; naive UTC timestamps. -#}
{%- set columns = {
    'action_key': dbt.type_string(),
    'alert_id': dbt.type_string(),
    'rule_id': dbt.type_string(),
    'kind': dbt.type_string(),
    'template': dbt.type_string(),
    'assignee_id': dbt.type_string(),
    'oa_request_id': dbt.type_string(),
    adapter.quote('state'): dbt.type_string(),
    'attempts': dbt.type_int(),
    'last_error': dbt.type_string(),
    'created_at': dbt.type_timestamp(),
    'next_attempt_at': dbt.type_timestamp(),
} -%}

with

source as (

    {{ optional_source('alerts', 'action_tasks', columns, landed=false) }}

),

renamed as (

    select
        source.action_key,
        source.alert_id,
        source.rule_id,
        source.kind as action_kind,
        source.template,
        source.assignee_id,
        nullif(trim(source.oa_request_id), '') as oa_request_id,
        source.{{ adapter.quote('state') }} as task_state,
        coalesce(source.attempts, 0) as attempts,
        source.last_error,
        {{ utc_to_instant('source.created_at') }} as created_at,
        {{ utc_to_instant('source.next_attempt_at') }} as next_attempt_at
    from source

)

select * from renamed
