-- The grade and key-account flag of each CRM account over time (what the snapshot
-- snp_customer_grades recorded night by night), from every version CRM keeps: one row per
-- account per stretch at one grade and flag; a deleted account's last stretch ends at its
-- deletion.
with

versions as (

    select
        account_id,
        customer_grade,
        is_key_account,
        is_deleted,
        valid_from_at
    from {{ ref('stg_crm__account_versions') }}

),

history as (

    {{ effective_dated_history(
        'versions', 'account_id', ['customer_grade', 'is_key_account'], 'valid_from_at',
        deleted='is_deleted'
    ) }}

)

select
    {{ concat_key(['account_id', timestamp_key('valid_from')], '@') }}
        as customer_grade_version_id,
    *
from history
