with

source as (

    select * from {{ source('mes', 'equipment') }}

),

latest as (

    {{ latest_version('source', ['equipment_id'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        equipment_id as machine_id,
        name as machine_name,
        name_en as machine_name_en,
        line_code as line_id,
        work_center,
        mtconnect_uuid,
        plant_code as plant_id,
        updated_at,
        _extracted_at
    from latest

)

select * from renamed
