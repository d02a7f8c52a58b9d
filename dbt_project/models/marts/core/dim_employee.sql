-- One row per employee (current HR record) with team and department names.
with

employees as (

    select * from {{ ref('stg_hr__employees') }}

),

teams as (

    select
        team_id,
        team_name,
        team_name_en,
        line_id
    from {{ ref('stg_hr__teams') }}

),

departments as (

    select
        department_id,
        department_name,
        department_name_en
    from {{ ref('stg_hr__departments') }}

),

final as (

    select
        employees.employee_id,
        employees.employee_name,
        employees.employee_name_en,
        employees.gender,
        employees.department_id,
        departments.department_name,
        departments.department_name_en,
        employees.team_id,
        teams.team_name,
        teams.team_name_en,
        teams.line_id,
        employees.position,
        employees.manager_employee_id,
        employees.hire_date,
        employees.leave_date,
        employees.employment_status,
        coalesce(employees.employment_status, 'active') = 'active' as is_active,
        employees.oa_user_id,
        employees.crm_user_id
    from employees
    left join teams
        on employees.team_id = teams.team_id
    left join departments
        on employees.department_id = departments.department_id

)

select * from final
