with

source as (

    select * from {{ source('erp', 'consignments') }}

),

latest as (

    {{ latest_version('source', ['code', 'rowno'], adapter.quote('modifytime')) }}

),

renamed as (

    select
        {{ concat_key(['code', 'rowno']) }} as consignment_line_id,
        code as consignment_id,
        rowno as consignment_line_no,
        date as consignment_date,
        custcode as customer_id,
        socode as order_id,
        sorowno as order_line_no,
        inventory_code as product_id,
        quantity as dispatched_qty,
        personcode as clerk_employee_id,
        {{ local_to_utc('verify_time') }} as verified_at,
        {{ local_to_utc('modifytime') }} as modified_at
    from latest

)

select * from renamed
