with

source as (

    select * from {{ source('crm', 'accounts') }}

),

latest as (

    {{ latest_version('source', [adapter.quote('Id')], adapter.quote('SystemModstamp')) }}

),

renamed as (

    select
        Id as account_id,
        Name as account_name,
        AccountNumber as customer_id,
        Industry as industry,
        BillingCity as billing_city,
        OwnerId as owner_user_id,
        Grade__c as customer_grade,
        Is_Key_Account__c as is_key_account,
        CreatedDate as created_at,
        LastModifiedDate as last_modified_at,
        SystemModstamp as modified_at
    from latest
    where not coalesce(IsDeleted, false)

)

select * from renamed
