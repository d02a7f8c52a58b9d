with

source as (

    select * from {{ source('mes', 'production_counts') }}

),

latest as (

    {{ latest_version('source', ['record_id'], '"updated_at"') }}

),

renamed as (

    select
        record_id as production_record_id,
        equipment_id as machine_id,
        production_order as production_order_id,
        product_code as product_id,
        team_code as team_id,
        shift_code,
        hour_start as hour_at,
        produced_qty,
        good_qty,
        operator_no as operator_employee_id,
        updated_at
    from latest

)

select * from renamed
