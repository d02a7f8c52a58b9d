{#- Department codes are plant-prefixed (P01-QUA): a department is matched by its code's
    last part. Overridable per plant with dbt vars. -#}
{%- set quality_department = var('alert_quality_department', 'QUA') -%}
{%- set planning_department = var('alert_planning_department', 'PLN') -%}
{%- set maintenance_departments = var('alert_maintenance_departments', ['MNT', 'EQP', 'MAI']) -%}
{%- set maintenance_codes = "'" ~ maintenance_departments | join("', '") ~ "'" -%}
{%- set quality_engineer_position = var('alert_quality_engineer_position', '质量工程师') -%}
{%- set planner_position = var('alert_planner_position', '计划员') -%}
-- Who each alert's roles are (SPEC 8.1/8.3, docs/alerts.md "Roles"): one row per alert x
-- role the alert needs (its rule's level-1 and cc roles, the roles of its actions, and the
-- escalation roles department_head and plant_manager), with the employee resolved from
-- HR, CRM and ERP. Every choice is deterministic (the first by employee number), so a
-- replay names the same people. A role no one fills keeps its row with a null employee
-- (a warning names it).
with

alerts as (

    select * from {{ ref('int_alert_episodes_opened') }}

),

rules as (

    select
        rule_id,
        level1_role,
        cc_role,
        actions
    from {{ ref('stg_excel__alert_rules') }}

),

employees as (

    select
        employee_id,
        employee_name,
        department_id,
        team_id,
        position,
        manager_employee_id,
        oa_user_id
    from {{ ref('stg_hr__employees') }}
    where leave_date is null

),

departments as (

    select
        department_id,
        department_name,
        department_name_en,
        parent_department_id,
        manager_employee_id
    from {{ ref('stg_hr__departments') }}

),

teams as (

    select
        team_id,
        line_id,
        leader_employee_id
    from {{ ref('stg_hr__teams') }}

),

accounts as (

    select
        customer_id,
        owner_user_id
    from {{ ref('stg_crm__accounts') }}

),

crm_users as (

    select
        crm_user_id,
        employee_id
    from {{ ref('stg_crm__users') }}

),

production_orders as (

    select
        production_order_id,
        order_id,
        planner_employee_id
    from {{ ref('stg_erp__production_orders') }}

),

production_counts as (

    select
        production_order_id,
        team_id,
        machine_id,
        hour_at,
        good_qty
    from {{ ref('stg_mes__production_counts') }}

),

-- The roles each alert needs: level 1, cc, every action's role, the two escalation roles.
action_items as (

    {{ list_items('rules', 'actions', ';') }}

),

needed_roles as (

    select
        rules.rule_id,
        rules.level1_role as role
    from rules
    union
    select
        rules.rule_id,
        rules.cc_role as role
    from rules
    where rules.cc_role is not null
    union
    select
        action_items.rule_id,
        lower(trim(split_part(action_items.item, ':', 2))) as role
    from action_items
    union
    select
        rules.rule_id,
        'department_head' as role
    from rules
    union
    select
        rules.rule_id,
        'plant_manager' as role
    from rules

),

departments_by_code as (

    select
        departments.*,
        case
            when departments.department_id like '%-%'
                then split_part(departments.department_id, '-', 2)
            else departments.department_id
        end as department_code
    from departments

),

quality_department as (

    select min(department_id) as department_id
    from departments_by_code
    where department_code = '{{ quality_department }}'

),

maintenance_department as (

    select min(department_id) as department_id
    from departments_by_code
    where department_code in ({{ maintenance_codes }})

),

-- Plant-wide people.
plant_people as (

    select
        (
            select departments_by_code.manager_employee_id
            from departments_by_code
            inner join quality_department
                on departments_by_code.department_id = quality_department.department_id
        ) as quality_manager_id,
        (
            select departments_by_code.manager_employee_id
            from departments_by_code
            inner join maintenance_department
                on departments_by_code.department_id = maintenance_department.department_id
        ) as maintenance_lead_id,
        (
            select min(employees.employee_id)
            from employees
            inner join quality_department
                on employees.department_id = quality_department.department_id
            where employees.position = '{{ quality_engineer_position }}'
        ) as first_quality_engineer_id,
        (
            select min(employees.employee_id)
            from employees
            where employees.position = '{{ planner_position }}'
                and employees.department_id in (
                    select departments_by_code.department_id
                    from departments_by_code
                    where departments_by_code.department_code = '{{ planning_department }}'
                )
        ) as first_planner_id,
        -- The plant manager: the top of the management chain, the top department's head
        -- or, when that head reports to someone, that person.
        (
            select min(coalesce(heads.manager_employee_id, departments_by_code.manager_employee_id))
            from departments_by_code
            left join employees as heads
                on departments_by_code.manager_employee_id = heads.employee_id
            where departments_by_code.parent_department_id is null
        ) as plant_manager_id

),

-- A quality engineer whose team is on the line.
line_quality_engineers as (

    select
        teams.line_id,
        min(employees.employee_id) as employee_id
    from employees
    inner join teams
        on employees.team_id = teams.team_id
    where employees.position = '{{ quality_engineer_position }}'
    group by teams.line_id

),

order_planners as (

    select
        production_orders.order_id,
        min(production_orders.planner_employee_id) as employee_id
    from production_orders
    where production_orders.order_id is not null
    group by production_orders.order_id

),

-- The production order a team or machine worked on most in the alert's opening window.
window_production_orders as (

    select
        alerts.alert_id,
        production_counts.production_order_id,
        row_number() over (
            partition by alerts.alert_id
            order by sum(production_counts.good_qty) desc, production_counts.production_order_id
        ) as order_rank
    from alerts
    inner join production_counts
        on (
            alerts.team_id = production_counts.team_id
            or alerts.machine_id = production_counts.machine_id
        )
        and production_counts.hour_at >= alerts.opening_window_start_at
        and production_counts.hour_at < alerts.opened_at
    where production_counts.production_order_id is not null
    group by alerts.alert_id, production_counts.production_order_id

),

window_planners as (

    select
        window_production_orders.alert_id,
        production_orders.planner_employee_id as employee_id
    from window_production_orders
    inner join production_orders
        on window_production_orders.production_order_id = production_orders.production_order_id
    where window_production_orders.order_rank = 1

),

account_owners as (

    select
        accounts.customer_id,
        min(crm_users.employee_id) as employee_id
    from accounts
    inner join crm_users
        on accounts.owner_user_id = crm_users.crm_user_id
    where accounts.customer_id is not null
    group by accounts.customer_id

),

-- The roles that do not depend on another role.
base_roles as (

    select
        alerts.alert_id,
        alerts.rule_id,
        needed_roles.role,
        case needed_roles.role
            when 'team_lead' then teams.leader_employee_id
            when 'step_owner' then alerts.step_owner_id
            when 'account_owner' then account_owners.employee_id
            when 'quality_manager' then plant_people.quality_manager_id
            when 'maintenance_lead' then plant_people.maintenance_lead_id
            when 'line_quality_engineer'
                then coalesce(
                        line_quality_engineers.employee_id, plant_people.first_quality_engineer_id
                    )
            when 'production_planner'
                then coalesce(
                        order_planners.employee_id,
                        window_planners.employee_id,
                        plant_people.first_planner_id
                    )
            when 'plant_manager' then plant_people.plant_manager_id
        end as employee_id
    from alerts
    inner join needed_roles
        on alerts.rule_id = needed_roles.rule_id
    cross join plant_people
    left join teams
        on alerts.team_id = teams.team_id
    left join line_quality_engineers
        on coalesce(alerts.line_id, teams.line_id) = line_quality_engineers.line_id
    left join order_planners
        on alerts.order_id = order_planners.order_id
    left join window_planners
        on alerts.alert_id = window_planners.alert_id
    left join account_owners
        on alerts.customer_id = account_owners.customer_id

),

level1_people as (

    select
        base_roles.alert_id,
        base_roles.employee_id
    from base_roles
    inner join rules
        on base_roles.rule_id = rules.rule_id
        and base_roles.role = rules.level1_role

),

-- Roles of the level-1 person: the supervisor (their manager) and the department head
-- (their department's head; the parent department's when they head it themselves).
person_roles as (

    select
        level1_people.alert_id,
        employees.manager_employee_id as supervisor_id,
        case
            when own_department.manager_employee_id <> level1_people.employee_id
                then own_department.manager_employee_id
            else parent_department.manager_employee_id
        end as department_head_id
    from level1_people
    inner join employees
        on level1_people.employee_id = employees.employee_id
    left join departments as own_department
        on employees.department_id = own_department.department_id
    left join departments as parent_department
        on own_department.parent_department_id = parent_department.department_id

),

roles_resolved as (

    select
        base_roles.alert_id,
        base_roles.rule_id,
        base_roles.role,
        case base_roles.role
            when 'supervisor' then person_roles.supervisor_id
            when 'department_head' then person_roles.department_head_id
            else base_roles.employee_id
        end as employee_id
    from base_roles
    left join person_roles
        on base_roles.alert_id = person_roles.alert_id

),

final as (

    select
        {{ concat_key(['roles_resolved.alert_id', 'roles_resolved.role'], '|') }}
            as alert_role_id,
        roles_resolved.alert_id,
        roles_resolved.rule_id,
        roles_resolved.role,
        roles_resolved.employee_id,
        employees.employee_name,
        employees.oa_user_id,
        employees.department_id
    from roles_resolved
    left join employees
        on roles_resolved.employee_id = employees.employee_id

)

select * from final
