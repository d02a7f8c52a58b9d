-- The ERP header promise date and state of each sales order over time (what the snapshot
-- snp_order_promises recorded night by night), from every version of the order raw keeps
-- (re-extractions of one version collapsed): one row per order per stretch with one
-- promise date and state.
with

source as (

    select * from {{ source('erp', 'sale_orders') }}

),

versions as (

    {{ latest_version(
        'source', ['code', adapter.quote('modifytime')], adapter.quote('modifytime')
    ) }}

),

renamed as (

    select
        code as order_id,
        dpredatebt as current_promised_date,
        state as order_state,
        {{ local_to_utc('modifytime') }} as valid_from_at
    from versions

),

history as (

    {{ effective_dated_history(
        'renamed', 'order_id', ['current_promised_date', 'order_state'], 'valid_from_at'
    ) }}

)

select
    {{ concat_key(['order_id', timestamp_key('valid_from')], '@') }}
        as order_promise_version_id,
    *
from history
