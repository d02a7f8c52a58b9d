{{
    config(
        materialized=incremental_materialization(),
        unique_key='measure_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- The largest raw table (tens of readings per line per hour): incremental, so a nightly
-- build reads the new batches, not every version ever extracted (macros/staging.sql).
with

source as (

    select * from {{ source('qms', 'line_measures') }}
    {{ unseen_batches() }}

),

renamed as (

    select
        measure_id,
        line_code as line_id,
        equipment_id as machine_id,
        measured_at,
        measure_type,
        value as measured_value,
        unit,
        lower_limit,
        upper_limit,
        updated_at,
        _batch_id,
        _extracted_at
    from source

),

latest as (

    {{ latest_new_version('renamed', 'measure_id', 'updated_at', ['measured_at']) }}

)

select
    measure_id,
    line_id,
    machine_id,
    measured_at,
    measure_type,
    measured_value,
    unit,
    lower_limit,
    upper_limit,
    updated_at,
    _batch_id,
    _extracted_at,
    _staged_at,
    _replaced_measured_at
from latest
