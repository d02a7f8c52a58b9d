{#-
    SPEC 5.2: the contribution rows of an order sum to its points pool (to `tolerance`),
    and every delivered order with a pool has rows. Fails with one row per order that
    breaks it. `model` is the contribution fact; `pools` holds one row per order.
-#}
{% test contribution_conservation(
    model,
    pools,
    order_column='order_id',
    points_column='points',
    pool_column='points_pool',
    tolerance=0.01
) %}

with

contributed as (

    select
        {{ order_column }} as order_id,
        sum({{ points_column }}) as points
    from {{ model }}
    group by {{ order_column }}

),

pooled as (

    select
        {{ order_column }} as order_id,
        {{ pool_column }} as points_pool
    from {{ pools }}
    where {{ pool_column }} is not null

),

compared as (

    select
        coalesce(pooled.order_id, contributed.order_id) as order_id,
        pooled.points_pool,
        contributed.points
    from pooled
    full outer join contributed
        on pooled.order_id = contributed.order_id

)

select *
from compared
where compared.points_pool is null
    or compared.points is null
    or abs(compared.points - compared.points_pool) > {{ tolerance }}

{% endtest %}
