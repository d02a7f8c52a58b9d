with

source as (

    select * from {{ source('wms', 'shipment_lines') }}

),

latest as (

    {{ latest_version('source', ['shipment_id', 'line_no'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        {{ concat_key(['shipment_id', 'line_no']) }} as shipment_line_id,
        shipment_id,
        line_no as shipment_line_no,
        so_code as order_id,
        so_rowno as order_line_no,
        product_code as product_id,
        qty as shipped_qty,
        updated_at
    from latest

)

select * from renamed
