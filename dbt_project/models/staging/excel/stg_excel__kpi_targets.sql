{#- targets.xlsx, sheet kpi_targets (docs/sources/excel.md): landed with the sheet's own
    column names; renamed to the warehouse's here. -#}
{%- set columns = {
    'kpi_code': dbt.type_string(),
    'scope_type': dbt.type_string(),
    'scope_code': dbt.type_string(),
    'target': 'decimal(18,4)',
    'yellow_threshold': 'decimal(18,4)',
    'red_threshold': 'decimal(18,4)',
    'direction': dbt.type_string(),
    'valid_from': 'date',
    'source_file': dbt.type_string(),
    'source_row': dbt.type_int(),
} -%}

with

source as (

    {{ optional_source('excel', 'kpi_targets', columns) }}

),

latest_batch as (

    select max(source._extracted_at) as extracted_at from source

),

renamed as (

    select
        {{ concat_key([
            'source.kpi_code',
            'source.scope_type',
            "coalesce(source.scope_code, '*')",
            "coalesce(cast(source.valid_from as " ~ dbt.type_string() ~ "), '*')",
        ], '|') }} as kpi_target_id,
        source.kpi_code,
        source.scope_type,
        coalesce(source.scope_code, '*') as scope_id,
        source.target,
        source.yellow_threshold,
        source.red_threshold,
        -- The workbook says higher_better / lower_better; the warehouse says *_is_better.
        case lower(trim(source.direction))
            when 'higher_better' then 'higher_is_better'
            when 'lower_better' then 'lower_is_better'
            else lower(trim(source.direction))
        end as direction,
        source.valid_from,
        -- Where the row is in the workbook: a failed test names it (macros/lineage.sql).
        source.source_file as _source_file,
        source.source_row as _source_row
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.kpi_code is not null

)

select * from renamed
