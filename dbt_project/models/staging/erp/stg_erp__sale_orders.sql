with

source as (

    select * from {{ source('erp', 'sale_orders') }}

),

latest as (

    {{ latest_version('source', ['code'], adapter.quote('modifytime')) }}

),

renamed as (

    select
        code as order_id,
        date as order_date,
        custcode as customer_id,
        cusname as customer_name,
        deptcode as department_id,
        personcode as salesperson_id,
        businesstype as business_type,
        state as order_state,
        dpredatebt as current_promised_date,
        taxrate as tax_rate,
        cmemo as memo,
        is_urgent,
        contract_no as contract_number,
        {{ local_to_utc('modifytime') }} as modified_at,
        -- The landing this version came from: a failed test names it (macros/lineage.sql).
        _batch_id
    from latest

)

select * from renamed
