with

source as (

    select * from {{ source('mes', 'parameter_changes') }}

),

latest as (

    {{ latest_version('source', ['change_id'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        change_id as parameter_change_id,
        equipment_id as machine_id,
        line_code as line_id,
        changed_at,
        parameter as parameter_name,
        old_value,
        new_value,
        changed_by as changed_by_employee_id,
        reason as change_reason,
        related_case as related_case_number,
        updated_at
    from latest

)

select * from renamed
