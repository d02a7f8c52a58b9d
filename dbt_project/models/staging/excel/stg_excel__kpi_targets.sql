{%- set columns = {
    'kpi_code': 'varchar',
    'scope_type': 'varchar',
    'scope_id': 'varchar',
    'target': 'decimal(18,4)',
    'yellow_threshold': 'decimal(18,4)',
    'red_threshold': 'decimal(18,4)',
    'direction': 'varchar',
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
        {{ concat_key(['source.kpi_code', 'source.scope_type', "coalesce(source.scope_id, '*')"], '|') }}
            as kpi_target_id,
        source.kpi_code,
        source.scope_type,
        coalesce(source.scope_id, '*') as scope_id,
        source.target,
        source.yellow_threshold,
        source.red_threshold,
        source.direction
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.kpi_code is not null

)

select * from renamed
