-- One row per machine (MES equipment).
with

equipment as (

    select * from {{ ref('stg_mes__equipment') }}

),

final as (

    select
        equipment.machine_id,
        equipment.machine_name,
        equipment.machine_name_en,
        equipment.line_id,
        equipment.work_center,
        equipment.mtconnect_uuid,
        equipment.plant_id
    from equipment

)

select * from final
