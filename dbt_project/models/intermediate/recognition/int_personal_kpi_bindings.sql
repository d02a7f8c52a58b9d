{#- The KPI and scope each employee's goal binds (SPEC 9.6): targets.xlsx, sheet
    goal_tree, rows of owner_type employee, latest landing; a warehouse without the landed
    sheet gives an empty model. The goal_tree entity and its dbt source belong to the goal
    tree (SPEC 9.1): until they are declared, the raw table is looked up by name here;
    once `source('excel', 'goal_tree')` exists, read it with optional_source instead
    (macros/recognition.sql). -#}
{%- set goal_columns = {
    'goal_id': dbt.type_string(),
    'owner_type': dbt.type_string(),
    'owner_id': dbt.type_string(),
    'kpi_code': dbt.type_string(),
    'scope_type': dbt.type_string(),
    'scope_id': dbt.type_string(),
} -%}

with

goal_source as (

    {{ optional_raw_table('excel__goal_tree', goal_columns) }}

),

latest_batch as (

    select max(goal_source._extracted_at) as extracted_at from goal_source

),

bindings as (

    select distinct
        trim(goal_source.owner_id) as employee_id,
        lower(trim(goal_source.kpi_code)) as kpi_code,
        lower(trim(goal_source.scope_type)) as scope_type,
        trim(goal_source.scope_id) as scope_id
    from goal_source
    inner join latest_batch
        on goal_source._extracted_at = latest_batch.extracted_at
    where lower(trim(goal_source.owner_type)) = 'employee'

)

select * from bindings
