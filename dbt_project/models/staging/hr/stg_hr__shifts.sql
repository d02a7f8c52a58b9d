with

source as (

    select * from {{ source('hr', 'shifts') }}

),

latest as (

    {{ latest_version('source', ['shift_code'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        shift_code,
        name as shift_name,
        name_en as shift_name_en,
        start_time,
        end_time,
        planned_break_minutes,
        updated_at
    from latest

)

select * from renamed
