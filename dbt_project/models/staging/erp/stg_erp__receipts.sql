with

source as (

    select * from {{ source('erp', 'receipts') }}

),

latest as (

    {{ latest_version('source', ['code'], adapter.quote('modifytime')) }}

),

renamed as (

    select
        code as receipt_id,
        date as receipt_date,
        custcode as customer_id,
        socode as order_id,
        amount as amount_cny,
        personcode as clerk_employee_id,
        {{ local_to_utc('verify_time') }} as received_at,
        {{ local_to_utc('modifytime') }} as modified_at
    from latest

)

select * from renamed
