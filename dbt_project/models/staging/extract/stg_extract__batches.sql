{#- raw._batches: what each extraction read and through when (SPEC 8.6 freshness). -#}
{%- set columns = {
    adapter.quote('source'): dbt.type_string(),
    'entity': dbt.type_string(),
    'batch_id': dbt.type_string(),
    'rows_loaded': dbt.type_bigint(),
    'extracted_at': type_instant(),
    'window_until': type_instant(),
} -%}
with

source as (

    {{ optional_source('extract', 'batches', columns, landed=false) }}

),

renamed as (

    select
        source.{{ adapter.quote('source') }} as source_system,
        source.entity,
        source.batch_id,
        source.rows_loaded,
        source.extracted_at,
        source.window_until,
        -- Batches landed before the window was recorded read through their start.
        coalesce(source.window_until, source.extracted_at) as read_through_at
    from source

)

select * from renamed
