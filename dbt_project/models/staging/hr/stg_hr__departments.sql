with

source as (

    select * from {{ source('hr', 'departments') }}

),

latest as (

    {{ latest_version('source', ['department_code'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        department_code as department_id,
        name as department_name,
        name_en as department_name_en,
        parent_code as parent_department_id,
        manager_no as manager_employee_id,
        updated_at
    from latest

)

select * from renamed
