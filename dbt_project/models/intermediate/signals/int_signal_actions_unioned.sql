-- Internal actions that can answer a signal (SPEC 5.5, 8.5): OA workflow requests (they
-- name a case, order or customer), logged MES parameter changes (on a line, sometimes
-- naming a case) and the tasks perfchain created for its alerts (its action ledger; never
-- an expired one). An action created by perfchain itself is auto-triggered.
with

workflow_requests as (

    select
        request_id,
        workflow_name,
        creator_oa_user_id,
        creator_name,
        created_at,
        related_case_number,
        related_order_id,
        related_customer_id
    from {{ ref('stg_oa__workflow_requests') }}

),

parameter_changes as (

    select
        parameter_change_id,
        machine_id,
        line_id,
        changed_at,
        changed_by_employee_id,
        related_case_number
    from {{ ref('stg_mes__parameter_changes') }}

),

-- Only tasks perfchain actually created: an expired task (due before the send window when
-- first queued, e.g. a catch-up night's history) was never sent, nor a pending or failed
-- one yet, so none of them answers a signal. Its moment is OA's creation time where OA has
-- it (the ledger's created_at is when the action was queued, by the clock of the machine).
alert_tasks as (

    select
        action_key,
        alert_id,
        coalesce(oa_created_at, created_at) as created_at
    from {{ ref('int_alert_tasks_read_back') }}
    where task_state = 'created'
        and coalesce(oa_created_at, created_at) is not null

),

workflows as (

    select
        'oa_workflow' as action_type,
        workflow_requests.request_id as action_id,
        workflow_requests.created_at as action_at,
        nullif(workflow_requests.related_case_number, '') as related_case_number,
        nullif(workflow_requests.related_order_id, '') as related_order_id,
        nullif(workflow_requests.related_customer_id, '') as related_customer_id,
        cast(null as {{ dbt.type_string() }}) as line_id,
        cast(null as {{ dbt.type_string() }}) as related_alert_id,
        coalesce(
            lower(workflow_requests.creator_name) in (
                {%- for name in var('auto_trigger_creators', ['perfchain']) %}
                    '{{ name | lower }}'{% if not loop.last %}, {% endif %}
                {%- endfor %}
            )
            or lower(workflow_requests.creator_oa_user_id) in (
                {%- for name in var('auto_trigger_creators', ['perfchain']) %}
                    '{{ name | lower }}'{% if not loop.last %}, {% endif %}
                {%- endfor %}
            ),
            false
        ) as is_auto_triggered
    from workflow_requests

),

parameters as (

    select
        'mes_parameter_change' as action_type,
        parameter_changes.parameter_change_id as action_id,
        parameter_changes.changed_at as action_at,
        nullif(parameter_changes.related_case_number, '') as related_case_number,
        cast(null as {{ dbt.type_string() }}) as related_order_id,
        cast(null as {{ dbt.type_string() }}) as related_customer_id,
        parameter_changes.line_id,
        cast(null as {{ dbt.type_string() }}) as related_alert_id,
        false as is_auto_triggered
    from parameter_changes

),

tasks as (

    select
        'perfchain_task' as action_type,
        alert_tasks.action_key as action_id,
        alert_tasks.created_at as action_at,
        cast(null as {{ dbt.type_string() }}) as related_case_number,
        cast(null as {{ dbt.type_string() }}) as related_order_id,
        cast(null as {{ dbt.type_string() }}) as related_customer_id,
        cast(null as {{ dbt.type_string() }}) as line_id,
        alert_tasks.alert_id as related_alert_id,
        true as is_auto_triggered
    from alert_tasks

),

final as (

    select * from workflows
    union all
    select * from parameters
    union all
    select * from tasks

)

select * from final
