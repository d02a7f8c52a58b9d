{{ config(meta={'dagster': {'ref': {'name': 'fct_oee_shift'}}}) }}
-- The state minutes split into a machine's shift never exceed the shift (no double-counted
-- time from overlapping windows or intervals).
select
    machine_id,
    shift_date,
    shift_code,
    shift_minutes,
    planned_stop_minutes + unplanned_downtime_minutes as stop_minutes
from {{ ref('fct_oee_shift') }}
where planned_stop_minutes + unplanned_downtime_minutes > shift_minutes + 0.001
