-- Which grade each customer had when: one row per customer per stretch at one grade,
-- valid over [valid_from_at, valid_to_at) (null = since the first version / still valid).
with

versions as (

    select
        account_id,
        customer_id,
        customer_grade,
        is_key_account,
        is_deleted,
        valid_from_at
    from {{ ref('stg_crm__account_versions') }}
    where customer_id is not null

),

with_previous as (

    select
        versions.*,
        lag(versions.customer_grade) over (
            partition by versions.account_id order by versions.valid_from_at
        ) as previous_grade,
        row_number() over (
            partition by versions.account_id order by versions.valid_from_at
        ) as version_number
    from versions

),

grade_changes as (

    select *
    from with_previous
    where version_number = 1
        or coalesce(customer_grade, '') <> coalesce(previous_grade, '')
        or is_deleted

),

stretches as (

    select
        grade_changes.*,
        lead(grade_changes.valid_from_at) over (
            partition by grade_changes.account_id order by grade_changes.valid_from_at
        ) as next_change_at
    from grade_changes

),

final as (

    -- A deleting version only closes the stretch before it.
    select
        {{ concat_key(['account_id', timestamp_key('valid_from_at')], '@') }}
            as customer_grade_id,
        account_id,
        customer_id,
        customer_grade,
        is_key_account,
        case when version_number = 1 then null else valid_from_at end as valid_from_at,
        next_change_at as valid_to_at
    from stretches
    where not is_deleted

)

select * from final
