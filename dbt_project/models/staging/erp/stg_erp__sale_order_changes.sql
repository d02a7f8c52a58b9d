with

source as (

    select * from {{ source('erp', 'sale_order_changes') }}

),

latest as (

    {{ latest_version('source', ['id'], adapter.quote('modifytime')) }}

),

renamed as (

    select
        id as change_id,
        code as order_id,
        rowno as line_no,
        change_type,
        old_value,
        new_value,
        requested_by,
        reason as change_reason,
        {{ local_to_utc('changed_at') }} as changed_at,
        personcode as changed_by_employee_id,
        {{ local_to_utc('modifytime') }} as modified_at
    from latest

)

select * from renamed
