-- External signals (SPEC 5.5): CRM cases that are complaints or were escalated. The signal
-- moment is the case's creation; customer, order and line are what an action may
-- reference to count as the response.
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

final as (

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

)

select * from final
