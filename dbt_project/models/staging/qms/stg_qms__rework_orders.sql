with

source as (

    select * from {{ source('qms', 'rework_orders') }}

),

latest as (

    {{ latest_version('source', ['rework_id'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        rework_id,
        defect_id,
        production_order as production_order_id,
        team_code as team_id,
        reworked_qty,
        started_at,
        finished_at,
        operator_no as operator_employee_id,
        result as rework_result,
        updated_at,
        -- When the kept version was extracted: what a build of the hourly models has seen.
        _extracted_at
    from latest

)

select * from renamed
