with

source as (

    select * from {{ source('crm', 'opportunities') }}

),

latest as (

    {{ latest_version('source', [adapter.quote('Id')], adapter.quote('SystemModstamp')) }}

),

renamed as (

    select
        Id as opportunity_id,
        Name as opportunity_name,
        AccountId as account_id,
        OwnerId as owner_user_id,
        StageName as stage_name,
        IsClosed as is_closed,
        IsWon as is_won,
        CloseDate as close_date,
        Amount as amount_cny,
        Is_Urgent__c as is_urgent,
        CreatedDate as created_at,
        LastModifiedDate as last_modified_at,
        SystemModstamp as modified_at
    from latest
    where not coalesce(IsDeleted, false)

)

select * from renamed
