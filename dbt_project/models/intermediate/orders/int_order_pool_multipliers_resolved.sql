-- One row per sales order: is it a key rush order (SPEC 9.2) and the factor its points
-- pool is multiplied by. A key rush order comes from a customer of the rule's grade
-- (default A, the CRM grade in force on the order date) with a lead time (order date to
-- the first committed date) of at most the rule's days (default 7). The key_rush_order
-- rule in force on the order date (latest from_date) gives the factor (default 1.5); without
-- such a rule no order is multiplied. fct_order_delivery applies it to the pool, the one
-- place the pool is computed, so the contribution rows still sum to it exactly.
with

sale_orders as (

    select
        order_id,
        customer_id,
        order_date
    from {{ ref('stg_erp__sale_orders') }}

),

promises as (

    select
        order_id,
        first_committed_date
    from {{ ref('int_order_promises_resolved') }}

),

grades as (

    select
        customer_id,
        customer_grade,
        valid_from_at,
        valid_to_at
    from {{ ref('int_customer_grades_historized') }}

),

rules as (

    select
        rule_id,
        from_date,
        pool_factor,
        customer_grade,
        max_lead_days
    from {{ ref('stg_excel__weight_rules') }}
    where condition_name = 'key_rush_order'

),

order_grades as (

    select
        sale_orders.order_id,
        grades.customer_grade,
        row_number() over (
            partition by sale_orders.order_id order by grades.valid_from_at desc
        ) as grade_rank
    from sale_orders
    inner join grades
        on
        sale_orders.customer_id = grades.customer_id
        and (
            grades.valid_from_at is null
            or {{ to_plant_date('grades.valid_from_at') }} <= sale_orders.order_date
        )
        and (
            grades.valid_to_at is null
            or {{ to_plant_date('grades.valid_to_at') }} > sale_orders.order_date
        )

),

order_rules as (

    select
        sale_orders.order_id,
        rules.rule_id,
        rules.pool_factor,
        rules.customer_grade as rule_grade,
        rules.max_lead_days,
        row_number() over (
            partition by sale_orders.order_id order by rules.from_date desc, rules.rule_id desc
        ) as rule_rank
    from sale_orders
    inner join rules
        on rules.from_date <= sale_orders.order_date

),

joined as (

    select
        sale_orders.order_id,
        sale_orders.order_date,
        order_grades.customer_grade,
        {{ days_between('sale_orders.order_date', 'promises.first_committed_date') }}
            as lead_days,
        order_rules.rule_id,
        order_rules.pool_factor,
        order_rules.rule_grade,
        order_rules.max_lead_days
    from sale_orders
    left join promises
        on sale_orders.order_id = promises.order_id
    left join order_grades
        on
        sale_orders.order_id = order_grades.order_id
        and order_grades.grade_rank = 1
    left join order_rules
        on
        sale_orders.order_id = order_rules.order_id
        and order_rules.rule_rank = 1

),

final as (

    select
        order_id,
        customer_grade,
        lead_days,
        coalesce(
            rule_id is not null
            and customer_grade = rule_grade
            and lead_days <= max_lead_days,
            false
        ) as is_key_rush_order,
        case
            when rule_id is not null and customer_grade = rule_grade and lead_days <= max_lead_days
                then rule_id
        end as pool_rule_id,
        cast(
            case
                when rule_id is not null
                    and customer_grade = rule_grade
                    and lead_days <= max_lead_days
                    then pool_factor
                else 1
            end as decimal(18, 4)
        ) as pool_multiplier
    from joined

)

select * from final
