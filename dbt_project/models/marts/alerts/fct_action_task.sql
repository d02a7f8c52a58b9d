-- One row per action of an alert (SPEC 8.1/8.3): every action due and every row of the
-- ledger, with when perfchain created it and, read back from OA, when its assignee
-- acknowledged and completed it; `due` when the ledger has not taken it yet.
with

actions_due as (

    select
        action_key,
        alert_id,
        rule_id,
        kind,
        template,
        assignee_id,
        assignee_role,
        due_at
    from {{ ref('int_alert_actions_due') }}

),

tasks as (

    select * from {{ ref('int_alert_tasks_read_back') }}

),

final as (

    select
        coalesce(actions_due.action_key, tasks.action_key) as action_key,
        coalesce(actions_due.alert_id, tasks.alert_id) as alert_id,
        coalesce(actions_due.rule_id, tasks.rule_id) as rule_id,
        coalesce(actions_due.kind, tasks.action_kind) as kind,
        coalesce(actions_due.template, tasks.template) as template,
        coalesce(actions_due.assignee_id, tasks.assignee_id) as assignee_id,
        actions_due.assignee_role,
        actions_due.due_at,
        tasks.created_at,
        tasks.oa_request_id,
        coalesce(tasks.task_state, 'due') as {{ adapter.quote('state') }},
        coalesce(tasks.attempts, 0) as attempts,
        tasks.last_error,
        tasks.acknowledged_at,
        tasks.completed_at
    from actions_due
    full outer join tasks
        on actions_due.action_key = tasks.action_key

)

select * from final
