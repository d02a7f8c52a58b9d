{#- targets.xlsx, sheet goal_tree (SPEC 9.1, docs/goals.md): one goal per row, checked by
    the extractor (extractors/excel/goals.py) before it lands. `period` is quoted: a SQL
    word on some engines. -#}
{%- set period = adapter.quote('period') -%}
{%- set columns = {
    'goal_id': dbt.type_string(),
    'parent_goal_id': dbt.type_string(),
    'owner_type': dbt.type_string(),
    'owner_id': dbt.type_string(),
    period: dbt.type_string(),
    'kpi_code': dbt.type_string(),
    'scope_type': dbt.type_string(),
    'scope_id': dbt.type_string(),
    'target': 'decimal(18,6)',
    'value_path': dbt.type_string(),
    'data_binding': dbt.type_string(),
    'source_file': dbt.type_string(),
    'source_row': dbt.type_int(),
} -%}

with

source as (

    {{ optional_source('excel', 'goal_tree', columns) }}

),

latest_batch as (

    select max(source._extracted_at) as extracted_at from source

),

renamed as (

    select
        trim(source.goal_id) as goal_id,
        nullif(trim(source.parent_goal_id), '') as parent_goal_id,
        lower(trim(source.owner_type)) as owner_type,
        trim(source.owner_id) as owner_id,
        upper(trim(source.{{ period }})) as goal_period,
        lower(trim(source.kpi_code)) as kpi_code,
        lower(trim(source.scope_type)) as scope_type,
        trim(source.scope_id) as scope_id,
        cast(source.target as double) as target,
        nullif(trim(source.value_path), '') as value_path,
        coalesce(nullif(trim(source.data_binding), ''), 'kpi_daily') as data_binding,
        -- Where the row is in the workbook: a failed test names it (macros/lineage.sql).
        source.source_file as _source_file,
        source.source_row as _source_row
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.goal_id is not null

)

select * from renamed
