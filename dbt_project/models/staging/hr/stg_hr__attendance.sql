with

source as (

    select * from {{ source('hr', 'attendance') }}

),

latest as (

    {{ latest_version('source', ['attendance_id'], '"updated_at"') }}

),

renamed as (

    select
        attendance_id,
        employee_no as employee_id,
        work_date,
        shift_code,
        clock_in as clock_in_at,
        clock_out as clock_out_at,
        hours as attended_hours,
        absence_type,
        updated_at
    from latest

)

select * from renamed
