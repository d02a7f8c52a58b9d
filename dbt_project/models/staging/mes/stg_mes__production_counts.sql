{#- Tagged signals: the alert rules read it, so the signals micro-batch brings it up to its
    moment (docs/operations.md). -#}
{{
    config(
        tags=['signals'],
        materialized=incremental_materialization(),
        unique_key='production_record_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Hourly counts per machine, a large and ever-growing raw table: incremental, so a
-- nightly build reads the new batches, not every version ever extracted
-- (macros/staging.sql).
with

source as (

    select * from {{ source('mes', 'production_counts') }}
    {{ unseen_batches() }}

),

renamed as (

    select
        record_id as production_record_id,
        equipment_id as machine_id,
        production_order as production_order_id,
        product_code as product_id,
        team_code as team_id,
        shift_code,
        hour_start as hour_at,
        produced_qty,
        good_qty,
        operator_no as operator_employee_id,
        updated_at,
        _batch_id,
        _extracted_at
    from source

),

latest as (

    {{ latest_new_version('renamed', 'production_record_id', 'updated_at', ['hour_at']) }}

)

select
    production_record_id,
    machine_id,
    production_order_id,
    product_id,
    team_id,
    shift_code,
    hour_at,
    produced_qty,
    good_qty,
    operator_employee_id,
    updated_at,
    _batch_id,
    _extracted_at,
    _staged_at,
    _replaced_hour_at
from latest
