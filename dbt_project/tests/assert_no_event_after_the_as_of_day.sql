-- The as-of plant day ends after the newest event of the sources that set the data
-- horizon (int_data_horizons_resolved): a machine state, an hour of production counts, a
-- signature on a proof of delivery or a sales order changed after the day the build is
-- "as of" is a wrong clock or a wrong record at the source, and every KPI as of that day
-- would count it. A failing row is one such event with the source record it came from
-- (source, entity, key and the raw batch that landed it, where staging keeps it), so the
-- failure names what to fix (orchestration/defs/warehouse/failures.py). Empty when the
-- as-of date is not pinned: the horizon is then the newest event's own day. Events up to
-- the newest signals micro-batch moment are not after the horizon: the batches read
-- through the plant's current day (SPEC §8).
with

horizon as (

    select
        as_of_end_at,
        batches_through_at
    from {{ ref('int_data_horizons_resolved') }}

),

machine_states as (

    select
        'mes' as _lineage_source,
        'machine_states' as _lineage_entity,
        mtconnect_uuid as _lineage_key,
        cast(null as {{ dbt.type_string() }}) as _lineage_batch,
        'state_started_at' as event,
        state_started_at as event_at
    from {{ ref('stg_mes__machine_states') }}

),

production_counts as (

    select
        'mes' as _lineage_source,
        'production_counts' as _lineage_entity,
        production_record_id as _lineage_key,
        _batch_id as _lineage_batch,
        'hour_at' as event,
        hour_at as event_at
    from {{ ref('stg_mes__production_counts') }}

),

proofs_of_delivery as (

    select
        'wms' as _lineage_source,
        'proofs_of_delivery' as _lineage_entity,
        pod_id as _lineage_key,
        _batch_id as _lineage_batch,
        'signed_at' as event,
        signed_at as event_at
    from {{ ref('stg_wms__proofs_of_delivery') }}

),

sale_orders as (

    select
        'erp' as _lineage_source,
        'sale_orders' as _lineage_entity,
        order_id as _lineage_key,
        _batch_id as _lineage_batch,
        'modified_at' as event,
        modified_at as event_at
    from {{ ref('stg_erp__sale_orders') }}

),

events as (

    select * from machine_states
    union all
    select * from production_counts
    union all
    select * from proofs_of_delivery
    union all
    select * from sale_orders

),

final as (

    select
        events._lineage_source,
        events._lineage_entity,
        events._lineage_key,
        events._lineage_batch,
        events.event,
        events.event_at,
        horizon.as_of_end_at
    from events
    cross join horizon
    where events.event_at >= horizon.as_of_end_at
        -- Signals micro-batches read on after the as-of day, up to their newest moment.
        and (horizon.batches_through_at is null or events.event_at > horizon.batches_through_at)

)

select * from final
