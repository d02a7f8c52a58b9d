-- Signals (SPEC 5.5, 8.5): CRM cases that are complaints or were escalated (external; the
-- signal moment is the case's creation) and perfchain's own alerts (internal; the moment
-- is the alert's opening). Customer, order and line are what an action may reference to
-- count as the response; an alert is also answered by a task perfchain created for it.
with

cases as (

    select
        case_id,
        case_number,
        account_id,
        case_type,
        is_escalated,
        priority,
        order_id,
        line_id,
        created_at,
        closed_at
    from {{ ref('stg_crm__cases') }}
    where case_type = 'Complaint'
        or coalesce(is_escalated, false)

),

accounts as (

    select
        account_id,
        customer_id
    from {{ ref('stg_crm__accounts') }}

),

alerts as (

    select
        alert_id,
        customer_id,
        order_id,
        line_id,
        opened_at,
        resolved_at
    from {{ ref('int_alerts_escalated') }}

),

case_signals as (

    select
        cases.case_id as signal_id,
        case when cases.case_type = 'Complaint' then 'complaint' else 'escalation' end
            as signal_type,
        'crm_case' as signal_source,
        cases.case_number,
        coalesce(cases.case_type = 'Complaint', false) as is_complaint,
        coalesce(cases.is_escalated, false) as is_escalated,
        cases.priority,
        accounts.customer_id,
        cases.order_id,
        cases.line_id,
        cases.created_at as signal_at,
        cases.closed_at
    from cases
    left join accounts
        on cases.account_id = accounts.account_id

),

alert_signals as (

    select
        alerts.alert_id as signal_id,
        'alert' as signal_type,
        'perfchain_alert' as signal_source,
        cast(null as {{ dbt.type_string() }}) as case_number,
        false as is_complaint,
        false as is_escalated,
        cast(null as {{ dbt.type_string() }}) as priority,
        alerts.customer_id,
        alerts.order_id,
        alerts.line_id,
        alerts.opened_at as signal_at,
        alerts.resolved_at as closed_at
    from alerts

),

final as (

    select * from case_signals
    union all
    select * from alert_signals

)

select * from final
