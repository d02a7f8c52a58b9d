with

source as (

    select * from {{ source('mes', 'first_piece_checks') }}

),

latest as (

    {{ latest_version('source', ['check_id'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        check_id,
        equipment_id as machine_id,
        production_order as production_order_id,
        product_code as product_id,
        checked_at,
        inspector_no as inspector_employee_id,
        result as check_result,
        updated_at
    from latest

)

select * from renamed
