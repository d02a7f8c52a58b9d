with

source as (

    select * from {{ source('wms', 'shipments') }}

),

latest as (

    {{ latest_version('source', ['shipment_id'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        shipment_id,
        consignment_code as consignment_id,
        so_code as order_id,
        customer_code as customer_id,
        warehouse as warehouse_code,
        shipped_at,
        carrier as carrier_name,
        handled_by as handler_employee_id,
        status as shipment_status,
        updated_at
    from latest

)

select * from renamed
