-- One wide row per sales order joining every system's view of it: ERP order and promise,
-- CRM contract and opportunity, MES production, QMS inspection, WMS shipping and POD,
-- ERP invoicing and payment, CRM complaints, the delivery anchor, the reconciliation of
-- the departmental views and the contribution trace.
with

orders as (

    select * from {{ ref('fct_order_delivery') }}

),

reconciliation as (

    select
        order_id,
        reconciliation_status
    from {{ ref('fct_order_reconciliation') }}

),

customers as (

    select
        customer_id,
        customer_name,
        customer_short_name,
        customer_grade,
        is_key_account
    from {{ ref('dim_customer') }}

),

employees as (

    select
        employee_id,
        employee_name,
        employee_name_en
    from {{ ref('dim_employee') }}

),

contracts as (

    select
        contract_id,
        contract_number,
        order_id,
        opportunity_id,
        contract_status,
        customer_signed_date,
        row_number() over (partition by order_id order by modified_at desc) as contract_rank
    from {{ ref('stg_crm__contracts') }}
    where order_id is not null

),

opportunities as (

    select
        opportunity_id,
        opportunity_name,
        stage_name,
        close_date
    from {{ ref('stg_crm__opportunities') }}

),

production_orders as (

    select
        production_order_id,
        order_id,
        start_date,
        due_date
    from {{ ref('stg_erp__production_orders') }}

),

production_counts as (

    select
        production_order_id,
        produced_qty,
        good_qty,
        hour_at
    from {{ ref('stg_mes__production_counts') }}

),

inspections as (

    select
        production_order_id,
        inspection_type,
        inspected_qty,
        passed_qty
    from {{ ref('stg_qms__inspections') }}

),

shipments as (

    select
        shipment_id,
        order_id,
        carrier_name,
        shipped_at
    from {{ ref('stg_wms__shipments') }}

),

proofs_of_delivery as (

    select
        pod_id,
        order_id,
        signed_at,
        signer_name
    from {{ ref('stg_wms__proofs_of_delivery') }}

),

invoices as (

    select
        invoice_id,
        order_id,
        is_credit_note,
        invoiced_at
    from {{ ref('stg_erp__sale_invoices') }}

),

signals as (

    select
        signal_id,
        order_id,
        case_number,
        is_complaint,
        signal_at,
        response_hours
    from {{ ref('fct_signal_response') }}

),

contributions as (

    select
        order_id,
        stage,
        employee_id,
        points
    from {{ ref('fct_order_contribution') }}

),

production_summary as (

    select
        production_orders.order_id,
        count(distinct production_orders.production_order_id) as production_order_count,
        min(production_orders.start_date) as production_start_date,
        sum(production_counts.produced_qty) as produced_qty,
        sum(production_counts.good_qty) as good_qty,
        min(production_counts.hour_at) as first_produced_at,
        max(production_counts.hour_at) as last_produced_at
    from production_orders
    left join production_counts
        on production_orders.production_order_id = production_counts.production_order_id
    group by production_orders.order_id

),

inspection_summary as (

    select
        production_orders.order_id,
        sum(inspections.inspected_qty) filter (where inspections.inspection_type = 'first')
            as first_inspected_qty,
        sum(inspections.passed_qty) filter (where inspections.inspection_type = 'first')
            as first_passed_qty
    from production_orders
    inner join inspections
        on production_orders.production_order_id = inspections.production_order_id
    group by production_orders.order_id

),

shipment_summary as (

    select
        shipments.order_id,
        count(*) as shipment_count,
        min(shipments.shipped_at) as first_shipped_at,
        {{ string_agg('shipments.carrier_name', "', '", distinct=true) }} as carriers
    from shipments
    group by shipments.order_id

),

pod_summary as (

    select
        proofs_of_delivery.order_id,
        count(*) as proof_of_delivery_count,
        min(proofs_of_delivery.signed_at) as first_signed_at,
        max(proofs_of_delivery.signed_at) as last_signed_at
    from proofs_of_delivery
    group by proofs_of_delivery.order_id

),

invoice_summary as (

    select
        invoices.order_id,
        count(distinct invoices.invoice_id) filter (
            where not invoices.is_credit_note
        )
            as invoice_count,
        count(distinct invoices.invoice_id) filter (where invoices.is_credit_note)
            as credit_note_document_count,
        min(invoices.invoiced_at) as first_invoiced_at,
        max(invoices.invoiced_at) as last_invoiced_at
    from invoices
    group by invoices.order_id

),

signal_summary as (

    select
        signals.order_id,
        count(*) filter (where signals.is_complaint) as complaint_count,
        min(signals.case_number) as first_case_number,
        max(signals.response_hours) as max_response_hours
    from signals
    where signals.order_id is not null
    group by signals.order_id

),

contribution_summary as (

    select
        contributions.order_id,
        count(distinct contributions.employee_id) as contributor_count,
        sum(contributions.points) filter (where contributions.employee_id is null)
            as unattributed_points,
        {{ string_agg(
            'case when contributions.employee_id is null then contributions.stage end',
            "', '",
            order_by='contributions.stage'
        ) }} as unattributed_stages
    from contributions
    group by contributions.order_id

),

top_contributors as (

    select
        contributions.order_id,
        contributions.employee_id,
        sum(contributions.points) as points,
        row_number() over (
            partition by contributions.order_id
            order by sum(contributions.points) desc, contributions.employee_id
        ) as contributor_rank
    from contributions
    where contributions.employee_id is not null
    group by contributions.order_id, contributions.employee_id

),

final as (

    select
        orders.order_id,
        orders.order_date,
        orders.customer_id,
        customers.customer_name,
        customers.customer_short_name,
        customers.customer_grade,
        customers.is_key_account,
        orders.department_id,
        orders.salesperson_id,
        salesperson.employee_name as salesperson_name,
        salesperson.employee_name_en as salesperson_name_en,
        orders.is_urgent,
        orders.contract_number,
        contracts.contract_id as crm_contract_id,
        contracts.contract_status as crm_contract_status,
        contracts.customer_signed_date as contract_customer_signed_date,
        opportunities.opportunity_id as crm_opportunity_id,
        opportunities.opportunity_name as crm_opportunity_name,
        orders.active_line_count,
        orders.cancelled_line_count,
        orders.ordered_qty,
        orders.net_amount_cny,
        orders.gross_amount_cny,
        orders.first_committed_date,
        orders.promised_date,
        orders.erp_promised_date,
        orders.customer_change_count,
        orders.plant_change_count,
        coalesce(production_summary.production_order_count, 0) as production_order_count,
        production_summary.production_start_date,
        production_summary.first_produced_at,
        production_summary.last_produced_at,
        production_summary.produced_qty,
        production_summary.good_qty,
        inspection_summary.first_inspected_qty,
        inspection_summary.first_passed_qty,
        coalesce(shipment_summary.shipment_count, 0) as shipment_count,
        shipment_summary.carriers,
        shipment_summary.first_shipped_at,
        orders.shipped_qty,
        orders.shipped_at,
        coalesce(pod_summary.proof_of_delivery_count, 0) as proof_of_delivery_count,
        pod_summary.first_signed_at,
        orders.signed_qty,
        orders.sales_completed_at,
        coalesce(invoice_summary.invoice_count, 0) as invoice_count,
        coalesce(invoice_summary.credit_note_document_count, 0) as credit_note_count,
        invoice_summary.first_invoiced_at,
        invoice_summary.last_invoiced_at,
        orders.net_invoiced_qty,
        orders.net_invoiced_amount_cny,
        orders.net_invoiced_gross_amount_cny,
        orders.received_amount_cny,
        orders.paid_at,
        orders.is_delivered,
        orders.delivered_at,
        orders.delivered_date,
        orders.is_on_time,
        orders.is_cancelled,
        orders.delivery_status,
        orders.days_late,
        reconciliation.reconciliation_status,
        coalesce(signal_summary.complaint_count, 0) as complaint_count,
        signal_summary.first_case_number,
        signal_summary.max_response_hours,
        orders.points_pool,
        coalesce(contribution_summary.contributor_count, 0) as contributor_count,
        coalesce(contribution_summary.unattributed_points, 0) as unattributed_points,
        contribution_summary.unattributed_stages,
        top_contributors.employee_id as top_contributor_id,
        top_employee.employee_name as top_contributor_name,
        top_contributors.points as top_contributor_points
    from orders
    left join reconciliation
        on orders.order_id = reconciliation.order_id
    left join customers
        on orders.customer_id = customers.customer_id
    left join employees as salesperson
        on orders.salesperson_id = salesperson.employee_id
    left join contracts
        on orders.order_id = contracts.order_id
        and contracts.contract_rank = 1
    left join opportunities
        on contracts.opportunity_id = opportunities.opportunity_id
    left join production_summary
        on orders.order_id = production_summary.order_id
    left join inspection_summary
        on orders.order_id = inspection_summary.order_id
    left join shipment_summary
        on orders.order_id = shipment_summary.order_id
    left join pod_summary
        on orders.order_id = pod_summary.order_id
    left join invoice_summary
        on orders.order_id = invoice_summary.order_id
    left join signal_summary
        on orders.order_id = signal_summary.order_id
    left join contribution_summary
        on orders.order_id = contribution_summary.order_id
    left join top_contributors
        on orders.order_id = top_contributors.order_id
        and top_contributors.contributor_rank = 1
    left join employees as top_employee
        on top_contributors.employee_id = top_employee.employee_id

)

select * from final
