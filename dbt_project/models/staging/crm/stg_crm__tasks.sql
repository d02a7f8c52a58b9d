with

source as (

    select * from {{ source('crm', 'tasks') }}

),

latest as (

    {{ latest_version('source', [adapter.quote('Id')], adapter.quote('SystemModstamp')) }}

),

renamed as (

    select
        Id as task_id,
        WhatId as related_record_id,
        OwnerId as owner_user_id,
        Subject as subject,
        Status as task_status,
        ActivityDate as activity_date,
        CompletedDateTime as completed_at,
        CreatedDate as created_at,
        LastModifiedDate as last_modified_at,
        SystemModstamp as modified_at
    from latest
    where not coalesce(IsDeleted, false)

)

select * from renamed
