with

source as (

    select * from {{ source('qms', 'defects') }}

),

latest as (

    {{ latest_version('source', ['defect_id'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        defect_id,
        inspection_id,
        defect_code,
        defect_name,
        qty as defect_qty,
        disposition,
        updated_at,
        -- When the kept version was extracted: what a build of the hourly models has seen.
        _extracted_at
    from latest

)

select * from renamed
