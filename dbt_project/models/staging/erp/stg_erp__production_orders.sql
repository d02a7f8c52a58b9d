with

source as (

    select * from {{ source('erp', 'production_orders') }}

),

latest as (

    {{ latest_version('source', ['code'], adapter.quote('modifytime')) }}

),

renamed as (

    select
        code as production_order_id,
        socode as order_id,
        sorowno as order_line_no,
        inventory_code as product_id,
        quantity as planned_qty,
        line_code as line_id,
        personcode as planner_employee_id,
        startdate as start_date,
        duedate as due_date,
        state as production_order_state,
        {{ local_to_utc('modifytime') }} as modified_at
    from latest

)

select * from renamed
