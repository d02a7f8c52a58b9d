with

source as (

    select * from {{ source('hr', 'shift_schedules') }}

),

latest as (

    {{ latest_version('source', ['work_date', 'team_code'], adapter.quote('updated_at')) }}

),

renamed as (

    select
        {{ concat_key(['team_code', 'work_date']) }} as shift_schedule_id,
        work_date,
        team_code as team_id,
        shift_code,
        updated_at
    from latest

)

select * from renamed
