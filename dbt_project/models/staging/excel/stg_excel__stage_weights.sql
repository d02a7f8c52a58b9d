{%- set columns = {
    'stage': dbt.type_string(),
    'weight': 'decimal(18,4)',
    'source_file': dbt.type_string(),
    'source_row': dbt.type_int(),
} -%}

with

source as (

    {{ optional_source('excel', 'stage_weights', columns) }}

),

latest_batch as (

    select max(source._extracted_at) as extracted_at from source

),

renamed as (

    select
        lower(trim(source.stage)) as stage,
        source.weight,
        -- Where the row is in the workbook: a failed test names it (macros/lineage.sql).
        source.source_file as _source_file,
        source.source_row as _source_row
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.stage is not null

)

select * from renamed
