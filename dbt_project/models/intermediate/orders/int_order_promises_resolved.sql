-- The promise of SPEC 5.1 per order, from the ERP change log: the first committed date,
-- moved only by changes the customer requested. The plant's own rescheduling changes the
-- ERP date but not the promise we are measured against.
with

orders as (

    select
        order_id,
        current_promised_date
    from {{ ref('stg_erp__sale_orders') }}

),

promise_changes as (

    select
        change_id,
        order_id,
        changed_at,
        requested_by,
        {{ try_cast_date('old_value') }} as old_promised_date,
        {{ try_cast_date('new_value') }} as new_promised_date
    from {{ ref('stg_erp__sale_order_changes') }}
    where change_type = 'promise_date'

),

changes_ranked as (

    select
        promise_changes.*,
        row_number() over (
            partition by promise_changes.order_id
            order by promise_changes.changed_at, promise_changes.change_id
        ) as change_rank,
        row_number() over (
            partition by promise_changes.order_id, promise_changes.requested_by
            order by promise_changes.changed_at desc, promise_changes.change_id desc
        ) as latest_rank_by_requester
    from promise_changes

),

change_summary as (

    select
        changes_ranked.order_id,
        max(changes_ranked.old_promised_date) filter (where changes_ranked.change_rank = 1)
            as first_committed_date,
        max(changes_ranked.new_promised_date) filter (
            where changes_ranked.requested_by = 'customer'
            and changes_ranked.latest_rank_by_requester = 1
        ) as customer_promised_date,
        max(changes_ranked.changed_at) filter (
            where changes_ranked.requested_by = 'customer'
            and changes_ranked.latest_rank_by_requester = 1
        ) as last_customer_change_at,
        count(*) filter (where changes_ranked.requested_by = 'customer')
            as customer_change_count,
        count(*) filter (where changes_ranked.requested_by = 'plant') as plant_change_count
    from changes_ranked
    group by changes_ranked.order_id

),

final as (

    select
        orders.order_id,
        coalesce(change_summary.first_committed_date, orders.current_promised_date)
            as first_committed_date,
        coalesce(
            change_summary.customer_promised_date,
            change_summary.first_committed_date,
            orders.current_promised_date
        ) as promised_date,
        orders.current_promised_date as erp_promised_date,
        coalesce(change_summary.customer_change_count, 0) as customer_change_count,
        coalesce(change_summary.plant_change_count, 0) as plant_change_count,
        change_summary.last_customer_change_at
    from orders
    left join change_summary
        on orders.order_id = change_summary.order_id

)

select * from final
