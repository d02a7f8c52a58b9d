{{
    config(
        materialized=incremental_materialization(),
        unique_key='attendance_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- One row per employee per day, the HR table that grows fastest: incremental, so a
-- nightly build reads the new batches, not every version ever extracted
-- (macros/staging.sql).
with

source as (

    select * from {{ source('hr', 'attendance') }}
    {{ unseen_batches() }}

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
        updated_at,
        _batch_id,
        _extracted_at
    from source

),

latest as (

    {{ latest_new_version(
        'renamed', 'attendance_id', 'updated_at', ['clock_in_at', 'clock_out_at']
    ) }}

)

select
    attendance_id,
    employee_id,
    work_date,
    shift_code,
    clock_in_at,
    clock_out_at,
    attended_hours,
    absence_type,
    updated_at,
    _batch_id,
    _extracted_at,
    _staged_at,
    _replaced_clock_in_at,
    _replaced_clock_out_at
from latest
