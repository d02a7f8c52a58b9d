-- Who did each stage's work for each sales order (SPEC 5.2), with the quantity that
-- weighs their share inside the stage. Where no quantity applies the event weighs 1.
--   sales                 contract owner (CRM) and the order's salesperson (ERP), 1 each
--   planning_procurement  planners of its production orders, buyers of its purchase
--                         orders, 1 per document
--   production            operators on its production counts, by produced quantity
--   quality               inspectors of its production orders, by inspected quantity
--   logistics             warehouse handlers by shipped quantity, drivers by signed qty
--   invoicing             finance clerks, 1 per invoice and 1 per receipt
with

sale_orders as (

    select
        order_id,
        salesperson_id,
        contract_number,
        order_date
    from {{ ref('stg_erp__sale_orders') }}

),

contracts as (

    select
        contract_id,
        contract_number,
        order_id,
        owner_user_id,
        activated_at
    from {{ ref('stg_crm__contracts') }}

),

crm_users as (

    select
        crm_user_id,
        employee_id
    from {{ ref('stg_crm__users') }}

),

production_orders as (

    select
        production_order_id,
        order_id,
        planner_employee_id,
        start_date
    from {{ ref('stg_erp__production_orders') }}

),

purchase_orders as (

    select
        purchase_order_id,
        order_id,
        buyer_employee_id,
        purchase_order_date
    from {{ ref('stg_erp__purchase_orders') }}

),

production_counts as (

    select
        production_record_id,
        production_order_id,
        operator_employee_id,
        produced_qty,
        hour_at
    from {{ ref('stg_mes__production_counts') }}

),

inspections as (

    select
        inspection_id,
        production_order_id,
        inspector_employee_id,
        inspected_qty,
        inspected_at
    from {{ ref('stg_qms__inspections') }}

),

shipments as (

    select
        shipment_id,
        order_id,
        handler_employee_id,
        shipped_at
    from {{ ref('stg_wms__shipments') }}

),

shipment_lines as (

    select
        shipment_id,
        order_id,
        shipped_qty
    from {{ ref('stg_wms__shipment_lines') }}

),

proofs_of_delivery as (

    select
        pod_id,
        order_id,
        driver_employee_id,
        signed_qty,
        signed_at
    from {{ ref('stg_wms__proofs_of_delivery') }}

),

invoices as (

    select
        invoice_id,
        order_id,
        clerk_employee_id,
        invoiced_at
    from {{ ref('stg_erp__sale_invoices') }}

),

receipts as (

    select
        receipt_id,
        order_id,
        clerk_employee_id,
        received_at
    from {{ ref('stg_erp__receipts') }}

),

contract_owners as (

    select
        'sales' as stage,
        'crm_contract' as source_type,
        contracts.contract_id as source_record_id,
        sale_orders.order_id,
        crm_users.employee_id,
        cast(1 as decimal(18, 4)) as recorded_qty,
        contracts.activated_at as event_at
    from contracts
    inner join sale_orders
        on contracts.order_id = sale_orders.order_id
        or (contracts.order_id is null and contracts.contract_number = sale_orders.contract_number)
    left join crm_users
        on contracts.owner_user_id = crm_users.crm_user_id

),

salespeople as (

    select
        'sales' as stage,
        'erp_sale_order' as source_type,
        sale_orders.order_id as source_record_id,
        sale_orders.order_id,
        sale_orders.salesperson_id as employee_id,
        cast(1 as decimal(18, 4)) as recorded_qty,
        {{ plant_date_start('sale_orders.order_date') }} as event_at
    from sale_orders

),

planners as (

    select
        'planning_procurement' as stage,
        'erp_production_order' as source_type,
        production_orders.production_order_id as source_record_id,
        production_orders.order_id,
        production_orders.planner_employee_id as employee_id,
        cast(1 as decimal(18, 4)) as recorded_qty,
        {{ plant_date_start('production_orders.start_date') }} as event_at
    from production_orders

),

buyers as (

    select
        'planning_procurement' as stage,
        'erp_purchase_order' as source_type,
        purchase_orders.purchase_order_id as source_record_id,
        purchase_orders.order_id,
        purchase_orders.buyer_employee_id as employee_id,
        cast(1 as decimal(18, 4)) as recorded_qty,
        {{ plant_date_start('purchase_orders.purchase_order_date') }} as event_at
    from purchase_orders

),

operators as (

    select
        'production' as stage,
        'mes_production_count' as source_type,
        production_counts.production_record_id as source_record_id,
        production_orders.order_id,
        production_counts.operator_employee_id as employee_id,
        cast(production_counts.produced_qty as decimal(18, 4)) as recorded_qty,
        production_counts.hour_at as event_at
    from production_counts
    inner join production_orders
        on production_counts.production_order_id = production_orders.production_order_id

),

inspectors as (

    select
        'quality' as stage,
        'qms_inspection' as source_type,
        inspections.inspection_id as source_record_id,
        production_orders.order_id,
        inspections.inspector_employee_id as employee_id,
        cast(inspections.inspected_qty as decimal(18, 4)) as recorded_qty,
        inspections.inspected_at as event_at
    from inspections
    inner join production_orders
        on inspections.production_order_id = production_orders.production_order_id

),

shipment_quantities as (

    select
        shipment_lines.shipment_id,
        shipment_lines.order_id,
        sum(shipment_lines.shipped_qty) as shipped_qty
    from shipment_lines
    group by shipment_lines.shipment_id, shipment_lines.order_id

),

handlers as (

    select
        'logistics' as stage,
        'wms_shipment' as source_type,
        shipments.shipment_id as source_record_id,
        shipment_quantities.order_id,
        shipments.handler_employee_id as employee_id,
        cast(shipment_quantities.shipped_qty as decimal(18, 4)) as recorded_qty,
        shipments.shipped_at as event_at
    from shipments
    inner join shipment_quantities
        on shipments.shipment_id = shipment_quantities.shipment_id
    where shipments.shipped_at is not null

),

drivers as (

    select
        'logistics' as stage,
        'wms_proof_of_delivery' as source_type,
        proofs_of_delivery.pod_id as source_record_id,
        proofs_of_delivery.order_id,
        proofs_of_delivery.driver_employee_id as employee_id,
        cast(proofs_of_delivery.signed_qty as decimal(18, 4)) as recorded_qty,
        proofs_of_delivery.signed_at as event_at
    from proofs_of_delivery

),

invoice_documents as (

    select
        invoices.invoice_id,
        invoices.order_id,
        invoices.clerk_employee_id,
        min(invoices.invoiced_at) as invoiced_at
    from invoices
    group by invoices.invoice_id, invoices.order_id, invoices.clerk_employee_id

),

invoicing_clerks as (

    select
        'invoicing' as stage,
        'erp_sale_invoice' as source_type,
        invoice_documents.invoice_id as source_record_id,
        invoice_documents.order_id,
        invoice_documents.clerk_employee_id as employee_id,
        cast(1 as decimal(18, 4)) as recorded_qty,
        invoice_documents.invoiced_at as event_at
    from invoice_documents

),

receipt_clerks as (

    select
        'invoicing' as stage,
        'erp_receipt' as source_type,
        receipts.receipt_id as source_record_id,
        receipts.order_id,
        receipts.clerk_employee_id as employee_id,
        cast(1 as decimal(18, 4)) as recorded_qty,
        receipts.received_at as event_at
    from receipts

),

unioned as (

    select * from contract_owners
    union all
    select * from salespeople
    union all
    select * from planners
    union all
    select * from buyers
    union all
    select * from operators
    union all
    select * from inspectors
    union all
    select * from handlers
    union all
    select * from drivers
    union all
    select * from invoicing_clerks
    union all
    select * from receipt_clerks

),

final as (

    select
        {{ concat_key(['stage', 'source_type', 'source_record_id', 'order_id'], ':') }}
            as contribution_event_id,
        stage,
        source_type,
        source_record_id,
        order_id,
        employee_id,
        recorded_qty,
        event_at
    from unioned
    -- An event without a person cannot be credited to anyone; the stage then falls back to
    -- its unattributed row if nobody else did its work.
    where order_id is not null
        and employee_id is not null

)

select * from final
