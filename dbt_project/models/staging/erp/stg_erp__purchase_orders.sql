with

source as (

    select * from {{ source('erp', 'purchase_orders') }}

),

latest as (

    {{ latest_version('source', ['code'], adapter.quote('modifytime')) }}

),

renamed as (

    select
        code as purchase_order_id,
        date as purchase_order_date,
        vencode as vendor_id,
        venname as vendor_name,
        personcode as buyer_employee_id,
        socode as order_id,
        inventory_code as item_id,
        quantity as ordered_qty,
        money as net_amount_cny,
        arrivedate as expected_arrival_date,
        state as purchase_order_state,
        {{ local_to_utc('modifytime') }} as modified_at
    from latest

)

select * from renamed
