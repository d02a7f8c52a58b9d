with

source as (

    select * from {{ source('crm', 'contracts') }}

),

latest as (

    {{ latest_version('source', [adapter.quote('Id')], adapter.quote('SystemModstamp')) }}

),

renamed as (

    select
        Id as contract_id,
        ContractNumber as contract_number,
        AccountId as account_id,
        OwnerId as owner_user_id,
        Opportunity__c as opportunity_id,
        Status as contract_status,
        StatusCode as status_code,
        CustomerSignedDate as customer_signed_date,
        CompanySignedDate as company_signed_date,
        StartDate as start_date,
        ContractTerm as contract_term_months,
        ActivatedDate as activated_at,
        ERP_Order_No__c as order_id,
        Amount__c as amount_cny,
        CreatedDate as created_at,
        LastModifiedDate as last_modified_at,
        SystemModstamp as modified_at
    from latest
    where not coalesce(IsDeleted, false)

)

select * from renamed
