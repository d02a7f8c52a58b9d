with

source as (

    select * from {{ source('mes', 'routings') }}

),

latest as (

    {{ latest_version('source', ['product_code', 'line_code'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        {{ concat_key(['product_code', 'line_code']) }} as routing_id,
        product_code as product_id,
        line_code as line_id,
        ideal_cycle_seconds,
        std_labour_hours as standard_labour_hours_per_unit,
        updated_at,
        _extracted_at
    from latest

)

select * from renamed
