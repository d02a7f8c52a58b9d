-- Which team each employee belonged to when: one row per employee per stretch of team
-- membership, valid over [valid_from_at, valid_to_at) (null = still valid). The first
-- known version is taken to hold since the beginning of time.
with

versions as (

    select
        employee_id,
        team_id,
        department_id,
        valid_from_at
    from {{ ref('stg_hr__employee_versions') }}

),

with_previous as (

    select
        versions.*,
        lag(versions.team_id) over (
            partition by versions.employee_id order by versions.valid_from_at
        ) as previous_team_id,
        row_number() over (
            partition by versions.employee_id order by versions.valid_from_at
        ) as version_number
    from versions

),

team_changes as (

    -- Only versions that change the team start a new stretch.
    select *
    from with_previous
    where version_number = 1
        or coalesce(team_id, '') <> coalesce(previous_team_id, '')

),

final as (

    select
        {{ concat_key(['employee_id', timestamp_key('valid_from_at')], '@') }}
            as employee_team_id,
        employee_id,
        team_id,
        department_id,
        case when version_number = 1 then null else valid_from_at end as valid_from_at,
        lead(valid_from_at) over (partition by employee_id order by valid_from_at)
            as valid_to_at
    from team_changes

)

select * from final
