-- The KPI and scope each employee's goal binds (SPEC 9.6): the goal tree's goals of owner
-- type employee (stg_excel__goal_tree, the latest landing of targets.xlsx's goal_tree),
-- one row per employee, KPI and scope whatever the period; empty without a goal tree.
with

goals as (

    select
        owner_type,
        owner_id,
        kpi_code,
        scope_type,
        scope_id
    from {{ ref('stg_excel__goal_tree') }}

),

bindings as (

    select distinct
        goals.owner_id as employee_id,
        goals.kpi_code,
        goals.scope_type,
        goals.scope_id
    from goals
    where goals.owner_type = 'employee'

)

select * from bindings
