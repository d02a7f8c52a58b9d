with

source as (

    select * from {{ source('crm', 'users') }}

),

latest as (

    {{ latest_version('source', [adapter.quote('Id')], adapter.quote('SystemModstamp')) }}

),

renamed as (

    select
        Id as crm_user_id,
        Name as user_name,
        Username as username,
        EmployeeNumber as employee_id,
        Department as department_name,
        IsActive as is_active,
        CreatedDate as created_at,
        LastModifiedDate as last_modified_at,
        SystemModstamp as modified_at
    from latest
    where not coalesce(IsDeleted, false)

)

select * from renamed
