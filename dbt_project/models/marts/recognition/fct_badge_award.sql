{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}
-- The badge ledger (SPEC 9.5): one row per employee x badge x level, appended the first
-- night the data earns it and never changed or deleted after. awarded_at is the moment
-- in the data the condition first held, so a rebuild from scratch writes the same rows
-- and a re-run appends nothing.
with

due as (

    select * from {{ ref('int_badge_awards_due') }}

),

awards as (

    select
        badge_award_id,
        employee_id,
        badge_code,
        badge_name,
        badge_name_en,
        badge_level,
        awarded_at,
        count(*) as evidence_count,
        {{ string_agg('evidence_text', "'; '", order_by=['evidence_at', 'evidence_ref']) }}
            as evidence
    from due
    group by
        badge_award_id,
        employee_id,
        badge_code,
        badge_name,
        badge_name_en,
        badge_level,
        awarded_at

),

final as (

    select
        badge_award_id,
        employee_id,
        badge_code,
        badge_name,
        badge_name_en,
        badge_level as level,
        awarded_at,
        evidence_count,
        evidence
    from awards
    {% if is_incremental() %}
    where not exists (
            select 1
            from {{ this }} as ledger
            where ledger.badge_award_id = awards.badge_award_id
        )
    {% endif %}

)

select * from final
