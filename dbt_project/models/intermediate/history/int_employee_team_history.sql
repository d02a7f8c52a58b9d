-- The team, department, position and employment status of each employee over time (what
-- the snapshot snp_employee_teams recorded night by night), from every version HR keeps:
-- one row per employee per stretch with one set of them.
with

versions as (

    select
        employee_id,
        team_id,
        department_id,
        position,
        employment_status,
        valid_from_at
    from {{ ref('stg_hr__employee_versions') }}

),

history as (

    {{ effective_dated_history(
        'versions', 'employee_id',
        ['team_id', 'department_id', 'position', 'employment_status'], 'valid_from_at'
    ) }}

)

select
    {{ concat_key(['employee_id', timestamp_key('valid_from')], '@') }}
        as employee_team_version_id,
    *
from history
