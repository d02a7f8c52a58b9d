with

source as (

    select * from {{ source('hr', 'teams') }}

),

latest as (

    {{ latest_version('source', ['team_code'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        team_code as team_id,
        name as team_name,
        name_en as team_name_en,
        department_code as department_id,
        line_code as line_id,
        leader_no as leader_employee_id,
        updated_at
    from latest

)

select * from renamed
