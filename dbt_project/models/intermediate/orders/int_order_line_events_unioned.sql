-- Everything that moves a sales order line towards delivered, as one event stream:
-- customer signatures (POD), invoices and credit notes (ERP), and warehouse shipments.
with

proofs_of_delivery as (

    select
        pod_id,
        order_id,
        order_line_no,
        signed_at,
        signed_qty
    from {{ ref('stg_wms__proofs_of_delivery') }}

),

invoice_lines as (

    select
        invoice_line_id,
        order_id,
        order_line_no,
        invoiced_at,
        invoiced_qty,
        net_amount_cny,
        gross_amount_cny,
        is_credit_note
    from {{ ref('stg_erp__sale_invoices') }}

),

shipments as (

    select
        shipment_id,
        shipped_at
    from {{ ref('stg_wms__shipments') }}
    where shipped_at is not null

),

shipment_lines as (

    select
        shipment_line_id,
        shipment_id,
        order_id,
        order_line_no,
        shipped_qty
    from {{ ref('stg_wms__shipment_lines') }}

),

signatures as (

    select
        'signed' as event_type,
        proofs_of_delivery.pod_id as source_record_id,
        proofs_of_delivery.order_id,
        proofs_of_delivery.order_line_no,
        proofs_of_delivery.signed_at as event_at,
        cast(proofs_of_delivery.signed_qty as decimal(18, 4)) as signed_qty_delta,
        cast(0 as decimal(18, 4)) as invoiced_qty_delta,
        cast(0 as decimal(18, 4)) as shipped_qty_delta,
        cast(0 as decimal(18, 4)) as invoiced_net_amount_cny_delta,
        cast(0 as decimal(18, 4)) as invoiced_gross_amount_cny_delta
    from proofs_of_delivery

),

invoices_signed as (

    -- A credit note (red invoice) always reduces the invoiced quantity and amount, whatever
    -- sign the source wrote it with.
    select
        case when invoice_lines.is_credit_note then 'credited' else 'invoiced' end
            as event_type,
        invoice_lines.invoice_line_id as source_record_id,
        invoice_lines.order_id,
        invoice_lines.order_line_no,
        invoice_lines.invoiced_at as event_at,
        cast(0 as decimal(18, 4)) as signed_qty_delta,
        case
            when invoice_lines.is_credit_note then -abs(invoice_lines.invoiced_qty)
            else invoice_lines.invoiced_qty
        end as invoiced_qty_delta,
        cast(0 as decimal(18, 4)) as shipped_qty_delta,
        case
            when invoice_lines.is_credit_note then -abs(invoice_lines.net_amount_cny)
            else invoice_lines.net_amount_cny
        end as invoiced_net_amount_cny_delta,
        case
            when invoice_lines.is_credit_note then -abs(invoice_lines.gross_amount_cny)
            else invoice_lines.gross_amount_cny
        end as invoiced_gross_amount_cny_delta
    from invoice_lines

),

shipped as (

    select
        'shipped' as event_type,
        shipment_lines.shipment_line_id as source_record_id,
        shipment_lines.order_id,
        shipment_lines.order_line_no,
        shipments.shipped_at as event_at,
        cast(0 as decimal(18, 4)) as signed_qty_delta,
        cast(0 as decimal(18, 4)) as invoiced_qty_delta,
        cast(shipment_lines.shipped_qty as decimal(18, 4)) as shipped_qty_delta,
        cast(0 as decimal(18, 4)) as invoiced_net_amount_cny_delta,
        cast(0 as decimal(18, 4)) as invoiced_gross_amount_cny_delta
    from shipment_lines
    inner join shipments
        on shipment_lines.shipment_id = shipments.shipment_id

),

unioned as (

    select * from signatures
    union all
    select * from invoices_signed
    union all
    select * from shipped

),

final as (

    select
        {{ concat_key(['event_type', 'source_record_id'], ':') }} as order_line_event_id,
        {{ concat_key(['order_id', 'order_line_no']) }} as order_line_id,
        event_type,
        source_record_id,
        order_id,
        order_line_no,
        event_at,
        signed_qty_delta,
        invoiced_qty_delta,
        shipped_qty_delta,
        invoiced_net_amount_cny_delta,
        invoiced_gross_amount_cny_delta
    from unioned
    where event_at is not null

)

select * from final
