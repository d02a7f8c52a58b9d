{%- set columns = {
    'line_code': 'varchar',
    'measure': 'varchar',
    'threshold': 'decimal(18,4)',
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
        {{ concat_key(['source.line_code', 'source.measure'], '|') }} as line_threshold_id,
        source.line_code as line_id,
        source.measure,
        source.threshold
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.line_code is not null

)

select * from renamed
