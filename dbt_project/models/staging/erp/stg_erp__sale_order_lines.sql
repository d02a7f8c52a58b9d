with

source as (

    select * from {{ source('erp', 'sale_order_lines') }}

),

latest as (

    {{ latest_version('source', ['code', 'rowno'], adapter.quote('modifytime')) }}

),

renamed as (

    select
        {{ concat_key(['code', 'rowno']) }} as order_line_id,
        code as order_id,
        rowno as line_no,
        inventory_code as product_id,
        quantity as ordered_qty,
        price as unit_price_cny,
        taxprice as unit_price_incl_tax_cny,
        money as net_amount_cny,
        tax as tax_cny,
        sum as gross_amount_cny,
        dpredate as current_promised_date,
        closed as is_cancelled,
        {{ local_to_utc('modifytime') }} as modified_at
    from latest

)

select * from renamed
