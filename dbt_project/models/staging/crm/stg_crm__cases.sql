with

source as (

    select * from {{ source('crm', 'cases') }}

),

latest as (

    {{ latest_version('source', [adapter.quote('Id')], adapter.quote('SystemModstamp')) }}

),

renamed as (

    select
        Id as case_id,
        CaseNumber as case_number,
        AccountId as account_id,
        OwnerId as owner_user_id,
        Type as case_type,
        Reason as case_reason,
        Priority as priority,
        Status as case_status,
        IsEscalated as is_escalated,
        IsClosed as is_closed,
        ClosedDate as closed_at,
        Subject as subject,
        Description as description,
        Order_No__c as order_id,
        Product_Line__c as line_id,
        CreatedDate as created_at,
        LastModifiedDate as last_modified_at,
        SystemModstamp as modified_at
    from latest
    where not coalesce(IsDeleted, false)

)

select * from renamed
