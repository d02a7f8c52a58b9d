with

source as (

    select * from {{ source('erp', 'sale_invoices') }}

),

latest as (

    {{ latest_version('source', ['code', 'rowno'], adapter.quote('modifytime')) }}

),

renamed as (

    select
        {{ concat_key(['code', 'rowno']) }} as invoice_line_id,
        code as invoice_id,
        rowno as invoice_line_no,
        date as invoice_date,
        custcode as customer_id,
        socode as order_id,
        sorowno as order_line_no,
        inventory_code as product_id,
        quantity as invoiced_qty,
        money as net_amount_cny,
        sum as gross_amount_cny,
        invoice_type,
        personcode as clerk_employee_id,
        {{ local_to_utc('verify_time') }} as invoiced_at,
        {{ local_to_utc('modifytime') }} as modified_at,
        invoice_type = 'red' as is_credit_note
    from latest

)

select * from renamed
