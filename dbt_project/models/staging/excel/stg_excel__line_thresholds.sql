{#- targets.xlsx, sheet line_thresholds (docs/sources/excel.md). The warehouse names a
    threshold measure as <measure_type>_<metric> (weld_strength_cv, voc_over_limit_count)
    and takes the red threshold as the line's limit. -#}
{%- set columns = {
    'line_code': dbt.type_string(),
    'measure_type': dbt.type_string(),
    'metric': dbt.type_string(),
    'yellow_threshold': 'decimal(18,4)',
    'red_threshold': 'decimal(18,4)',
    'source_file': dbt.type_string(),
    'source_row': dbt.type_int(),
} -%}

with

source as (

    {{ optional_source('excel', 'line_thresholds', columns) }}

),

latest_batch as (

    select max(source._extracted_at) as extracted_at from source

),

renamed as (

    select
        {{ concat_key(['source.line_code', "source.measure_type || '_' || source.metric"], '|') }}
            as line_threshold_id,
        source.line_code as line_id,
        source.measure_type || '_' || source.metric as measure,
        source.red_threshold as threshold,
        source.yellow_threshold,
        -- Where the row is in the workbook: a failed test names it (macros/lineage.sql).
        source.source_file as _source_file,
        source.source_row as _source_row
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.line_code is not null

)

select * from renamed
