{#- targets.xlsx, sheet kpi_weights (SPEC 9.2, docs/goals.md): one weight per owner, KPI
    and effective period; effective_to is the last day in force (null = open). -#}
{%- set columns = {
    'owner_type': dbt.type_string(),
    'owner_id': dbt.type_string(),
    'kpi_code': dbt.type_string(),
    'weight': 'decimal(18,6)',
    'effective_from': 'date',
    'effective_to': 'date',
    'source_file': dbt.type_string(),
    'source_row': dbt.type_int(),
} -%}

with

source as (

    {{ optional_source('excel', 'kpi_weights', columns) }}

),

latest_batch as (

    select max(source._extracted_at) as extracted_at from source

),

renamed as (

    select
        {{ concat_key(
            ['lower(trim(source.owner_type))', 'trim(source.owner_id)',
             'lower(trim(source.kpi_code))', 'source.effective_from'], '|'
        ) }} as kpi_weight_id,
        lower(trim(source.owner_type)) as owner_type,
        trim(source.owner_id) as owner_id,
        lower(trim(source.kpi_code)) as kpi_code,
        cast(source.weight as double) as weight,
        source.effective_from,
        source.effective_to,
        -- Where the row is in the workbook: a failed test names it (macros/lineage.sql).
        source.source_file as _source_file,
        source.source_row as _source_row
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.owner_id is not null

)

select * from renamed
