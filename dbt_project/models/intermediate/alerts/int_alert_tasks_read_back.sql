-- The actions perfchain took (alerts.action_tasks) with what OA says about them (SPEC 8.3):
-- one row per ledger row. An OA task is acknowledged when its assignee first acts on it
-- after its creation (a log other than the creator's 提交: 批准, 退回 or 归档: it has
-- left the creation node) and completed when it is archived (归档).
with

tasks as (

    select * from {{ ref('stg_alerts__action_tasks') }}

),

requests as (

    select
        request_id,
        created_at,
        request_status
    from {{ ref('stg_oa__workflow_requests') }}

),

logs as (

    select
        request_id,
        operate_type,
        operated_at
    from {{ ref('stg_oa__workflow_logs') }}

),

logs_per_request as (

    select
        logs.request_id,
        min(case when logs.operate_type <> '提交' then logs.operated_at end) as acknowledged_at,
        min(case when logs.operate_type = '归档' then logs.operated_at end) as completed_at
    from logs
    group by logs.request_id

),

final as (

    select
        tasks.action_key,
        tasks.alert_id,
        tasks.rule_id,
        tasks.action_kind,
        tasks.template,
        tasks.assignee_id,
        tasks.oa_request_id,
        tasks.task_state,
        tasks.attempts,
        tasks.last_error,
        tasks.created_at,
        requests.created_at as oa_created_at,
        requests.request_status as oa_status,
        logs_per_request.acknowledged_at,
        logs_per_request.completed_at
    from tasks
    left join requests
        on tasks.oa_request_id = requests.request_id
    left join logs_per_request
        on tasks.oa_request_id = logs_per_request.request_id

)

select * from final
