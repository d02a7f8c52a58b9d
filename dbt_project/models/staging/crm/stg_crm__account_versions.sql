-- Every version of every CRM account (re-grades create new versions), for point-in-time
-- customer grade. Re-extractions of the same version are collapsed; deleting versions
-- are kept (is_deleted) so history ends where the account was deleted.
with

source as (

    select * from {{ source('crm', 'accounts') }}

),

versions as (

    {{ latest_version(
        'source', [adapter.quote('Id'), adapter.quote('SystemModstamp')],
        adapter.quote('SystemModstamp')
    ) }}

),

renamed as (

    select
        {{ concat_key([adapter.quote('Id'), timestamp_key(adapter.quote('SystemModstamp'))], '@') }}
            as account_version_id,
        Id as account_id,
        AccountNumber as customer_id,
        Grade__c as customer_grade,
        Is_Key_Account__c as is_key_account,
        coalesce(IsDeleted, false) as is_deleted,
        SystemModstamp as valid_from_at
    from versions

)

select * from renamed
