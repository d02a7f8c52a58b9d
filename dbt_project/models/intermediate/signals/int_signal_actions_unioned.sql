-- Internal actions that can answer a signal (SPEC 5.5): OA workflow requests (they name a
-- case, order or customer) and logged MES parameter changes (on a line, sometimes naming
-- a case). An action created by perfchain's own service account is auto-triggered.
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

workflows as (

    select
        'oa_workflow' as action_type,
        workflow_requests.request_id as action_id,
        workflow_requests.created_at as action_at,
        nullif(workflow_requests.related_case_number, '') as related_case_number,
        nullif(workflow_requests.related_order_id, '') as related_order_id,
        nullif(workflow_requests.related_customer_id, '') as related_customer_id,
        cast(null as varchar) as line_id,
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
        cast(null as varchar) as related_order_id,
        cast(null as varchar) as related_customer_id,
        parameter_changes.line_id,
        false as is_auto_triggered
    from parameter_changes

),

final as (

    select * from workflows
    union all
    select * from parameters

)

select * from final
