with

source as (

    select * from {{ source('hr', 'employees') }}

),

latest as (

    {{ latest_version('source', ['employee_no'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        employee_no as employee_id,
        name as employee_name,
        name_en as employee_name_en,
        gender,
        department_code as department_id,
        team_code as team_id,
        position as position,
        manager_no as manager_employee_id,
        hire_date,
        leave_date,
        status as employment_status,
        oa_user_id,
        sf_user_id as crm_user_id,
        updated_at
    from latest

)

select * from renamed
