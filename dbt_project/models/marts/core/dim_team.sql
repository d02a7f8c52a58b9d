-- One row per team, with its department, line and current head count.
with

teams as (

    select * from {{ ref('stg_hr__teams') }}

),

departments as (

    select
        department_id,
        department_name,
        department_name_en
    from {{ ref('stg_hr__departments') }}

),

employees as (

    select
        employee_id,
        team_id,
        employment_status
    from {{ ref('stg_hr__employees') }}

),

head_counts as (

    select
        employees.team_id,
        count(*) as head_count
    from employees
    where coalesce(employees.employment_status, 'active') = 'active'
    group by employees.team_id

),

final as (

    select
        teams.team_id,
        teams.team_name,
        teams.team_name_en,
        teams.department_id,
        departments.department_name,
        departments.department_name_en,
        teams.line_id,
        teams.leader_employee_id,
        coalesce(head_counts.head_count, 0) as head_count
    from teams
    left join departments
        on teams.department_id = departments.department_id
    left join head_counts
        on teams.team_id = head_counts.team_id

)

select * from final
