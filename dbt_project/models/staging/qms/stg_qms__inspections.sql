{#- Tagged signals: the alert rules read it, so the signals micro-batch brings it up to its
    moment (docs/operations.md). -#}
{{
    config(
        tags=['signals'],
        materialized=incremental_materialization(),
        unique_key='inspection_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Every QMS inspection, the second largest raw table: incremental, so a nightly build
-- reads the new batches, not every version ever extracted (macros/staging.sql).
with

source as (

    select * from {{ source('qms', 'inspections') }}
    {{ unseen_batches() }}

),

renamed as (

    select
        inspection_id,
        production_order as production_order_id,
        product_code as product_id,
        equipment_id as machine_id,
        line_code as line_id,
        team_code as team_id,
        inspected_at,
        inspection_type,
        inspected_qty,
        passed_qty,
        inspector_no as inspector_employee_id,
        updated_at,
        _batch_id,
        _extracted_at
    from source

),

latest as (

    {{ latest_new_version('renamed', 'inspection_id', 'updated_at', ['inspected_at']) }}

)

select
    inspection_id,
    production_order_id,
    product_id,
    machine_id,
    line_id,
    team_id,
    inspected_at,
    inspection_type,
    inspected_qty,
    passed_qty,
    inspector_employee_id,
    updated_at,
    _batch_id,
    _extracted_at,
    _staged_at,
    _replaced_inspected_at
from latest
