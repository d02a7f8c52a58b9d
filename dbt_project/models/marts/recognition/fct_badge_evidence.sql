{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}
-- The evidence of each badge award (SPEC 9.5): one row per award x evidence, appended
-- with its award and never changed after (the ledger fct_badge_award only grows).
with

due as (

    select * from {{ ref('int_badge_awards_due') }}

),

final as (

    select
        {{ alert_key(['badge_award_id', 'evidence_type', 'evidence_ref']) }}
            as badge_evidence_id,
        badge_award_id,
        evidence_type,
        evidence_ref,
        evidence_at,
        evidence_text
    from due
    {% if is_incremental() %}
    where not exists (
            select 1
            from {{ this }} as ledger
            where ledger.badge_award_id = due.badge_award_id
        )
    {% endif %}

)

select * from final
