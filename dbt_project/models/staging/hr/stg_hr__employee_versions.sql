-- Every version of every employee record (team transfers create new versions), for
-- point-in-time team membership. Re-extractions of the same version are collapsed.
with

source as (

    select * from {{ source('hr', 'employees') }}

),

versions as (

    {{ latest_version('source', ['employee_no', 'updated_at'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        {{ concat_key(['employee_no', timestamp_key('updated_at')], '@') }} as employee_version_id,
        employee_no as employee_id,
        team_code as team_id,
        department_code as department_id,
        position,
        status as employment_status,
        updated_at as valid_from_at
    from versions

)

select * from renamed
