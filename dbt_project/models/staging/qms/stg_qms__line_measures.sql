with

source as (

    select * from {{ source('qms', 'line_measures') }}

),

latest as (

    {{ latest_version('source', ['measure_id'], '"updated_at"') }}

),

renamed as (

    select
        measure_id,
        line_code as line_id,
        equipment_id as machine_id,
        measured_at,
        measure_type,
        "value" as measured_value,
        unit,
        lower_limit,
        upper_limit,
        updated_at
    from latest

)

select * from renamed
