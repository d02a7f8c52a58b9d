{%- set columns = {'stage': 'varchar', 'weight': 'decimal(18,4)'} -%}

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
        source.weight
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.stage is not null

)

select * from renamed
