with

source as (

    select * from {{ source('wms', 'proofs_of_delivery') }}

),

latest as (

    {{ latest_version('source', ['pod_id'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        pod_id,
        shipment_id,
        so_code as order_id,
        so_rowno as order_line_no,
        signed_at,
        signer as signer_name,
        signed_qty,
        driver_no as driver_employee_id,
        updated_at,
        -- The landing this version came from: a failed test names it (macros/lineage.sql).
        _batch_id
    from latest

)

select * from renamed
