-- One row per delivered order x stage x employee: the points each person earned from the
-- order's pool (SPEC 5.2). A stage where nobody is recorded gets one row with a null
-- employee (unattributed). Rounded to 4 decimals with the rounding residue put on the
-- largest share of each stage (and the stage residue on the heaviest stage), so the rows of
-- an order sum to its pool exactly.
with

orders as (

    select
        order_id,
        delivered_date,
        points_pool
    from {{ ref('fct_order_delivery') }}
    where is_delivered
        and points_pool is not null

),

stage_weights as (

    select
        stage,
        stage_order,
        weight
    from {{ ref('int_stage_weights_resolved') }}

),

contribution_events as (

    select
        order_id,
        stage,
        employee_id,
        recorded_qty
    from {{ ref('int_contribution_events_unioned') }}

),

employee_quantities as (

    select
        contribution_events.order_id,
        contribution_events.stage,
        contribution_events.employee_id,
        sum(contribution_events.recorded_qty) as recorded_qty,
        count(*) as event_count
    from contribution_events
    inner join orders
        on contribution_events.order_id = orders.order_id
    group by
        contribution_events.order_id,
        contribution_events.stage,
        contribution_events.employee_id

),

order_stages_exact as (

    select
        orders.order_id,
        orders.delivered_date,
        orders.points_pool,
        stage_weights.stage,
        stage_weights.stage_order,
        stage_weights.weight,
        cast(round(orders.points_pool * stage_weights.weight, 4) as decimal(18, 4))
            as rounded_stage_points,
        row_number() over (
            partition by orders.order_id
            order by stage_weights.weight desc, stage_weights.stage_order asc
        ) as stage_size_rank
    from orders
    cross join stage_weights

),

order_stages as (

    -- Stage points to 4 decimals; the rounding residue goes to the heaviest stage so the
    -- stages of an order sum to its pool exactly.
    select
        order_stages_exact.*,
        order_stages_exact.rounded_stage_points
        + case
            when order_stages_exact.stage_size_rank = 1
                then order_stages_exact.points_pool - sum(
                        order_stages_exact.rounded_stage_points
                    ) over (partition by order_stages_exact.order_id)
            else 0
        end as stage_points
    from order_stages_exact

),

stage_totals as (

    select
        employee_quantities.order_id,
        employee_quantities.stage,
        sum(employee_quantities.recorded_qty) as stage_qty,
        count(*) as employee_count
    from employee_quantities
    group by employee_quantities.order_id, employee_quantities.stage

),

allocated as (

    select
        order_stages.order_id,
        order_stages.delivered_date,
        order_stages.points_pool,
        order_stages.stage,
        order_stages.stage_order,
        order_stages.weight as stage_weight,
        order_stages.stage_points,
        employee_quantities.employee_id,
        employee_quantities.employee_id is null as is_unattributed,
        coalesce(employee_quantities.recorded_qty, 0) as recorded_qty,
        coalesce(employee_quantities.event_count, 0) as event_count,
        coalesce(stage_totals.stage_qty, 0) as stage_qty,
        case
            when employee_quantities.employee_id is null then 1.0
            -- Nobody recorded a quantity: share the stage equally.
            when stage_totals.stage_qty = 0 then 1.0 / stage_totals.employee_count
            else cast(employee_quantities.recorded_qty as double) / stage_totals.stage_qty
        end as share_of_stage
    from order_stages
    left join employee_quantities
        on order_stages.order_id = employee_quantities.order_id
        and order_stages.stage = employee_quantities.stage
    left join stage_totals
        on order_stages.order_id = stage_totals.order_id
        and order_stages.stage = stage_totals.stage

),

rounded as (

    select
        allocated.*,
        cast(
            {{ round_double('allocated.stage_points * allocated.share_of_stage', 4) }}
            as decimal(18, 4)
        ) as rounded_points,
        row_number() over (
            partition by allocated.order_id, allocated.stage
            order by allocated.share_of_stage desc, allocated.employee_id asc
        ) as share_rank
    from allocated

),

final as (

    -- Inside a stage the rounding residue goes to the largest share, so each stage sums to
    -- its stage points and the order to its pool.
    select
        {{ concat_key([
            'rounded.order_id',
            'rounded.stage',
            "coalesce(rounded.employee_id, 'unattributed')",
        ], '|') }}
            as contribution_id,
        rounded.order_id,
        rounded.stage,
        rounded.stage_order,
        rounded.employee_id,
        rounded.is_unattributed,
        rounded.delivered_date,
        rounded.points_pool,
        rounded.stage_weight,
        cast(rounded.stage_points as decimal(18, 4)) as stage_points,
        rounded.recorded_qty,
        rounded.stage_qty,
        rounded.event_count,
        cast(
            rounded.rounded_points
            + case
                when rounded.share_rank = 1
                    then rounded.stage_points - sum(rounded.rounded_points) over (
                            partition by rounded.order_id, rounded.stage
                        )
                else 0
            end
            as decimal(18, 4)
        ) as points
    from rounded

)

select * from final
