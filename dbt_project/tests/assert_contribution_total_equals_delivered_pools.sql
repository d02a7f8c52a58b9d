{{ config(meta={'dagster': {'ref': {'name': 'fct_order_contribution'}}}) }}
-- Across all orders, the points handed out equal the pools of the delivered orders.
with

points as (

    select coalesce(sum(points), 0) as total_points
    from {{ ref('fct_order_contribution') }}

),

pools as (

    select coalesce(sum(points_pool), 0) as total_pool
    from {{ ref('fct_order_delivery') }}
    where is_delivered

)

select
    points.total_points,
    pools.total_pool
from points
cross join pools
where abs(points.total_points - pools.total_pool) > 0.01
