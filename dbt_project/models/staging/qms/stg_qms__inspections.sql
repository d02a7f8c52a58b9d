with

source as (

    select * from {{ source('qms', 'inspections') }}

),

latest as (

    {{ latest_version('source', ['inspection_id'], '"updated_at"') }}

),

renamed as (

    select
        inspection_id,
        production_order as production_order_id,
        product_code as product_id,
        equipment_id as machine_id,
        line_code as line_id,
        team_code as team_id,
        inspected_at,
        inspection_type,
        inspected_qty,
        passed_qty,
        inspector_no as inspector_employee_id,
        updated_at
    from latest

)

select * from renamed
