-- The first linked internal action after each signal (SPEC 5.5, 8.5). An action is linked
-- when an OA workflow references the signal's case, order or customer, a MES parameter
-- change is logged on the affected line or names the case, or (for an alert) perfchain
-- created a task for the alert.
with

signals as (

    select
        signal_id,
        case_number,
        customer_id,
        order_id,
        line_id,
        signal_at
    from {{ ref('int_signals_identified') }}

),

actions as (

    select * from {{ ref('int_signal_actions_unioned') }}

),

-- One equi-join per way of linking, so each stays a hash join at any volume.
linked_by_case as (

    select
        signals.signal_id,
        signals.signal_at,
        actions.action_type,
        actions.action_id,
        actions.action_at,
        actions.is_auto_triggered,
        'case' as link_reason
    from signals
    inner join actions
        on signals.case_number = actions.related_case_number

),

linked_by_order as (

    select
        signals.signal_id,
        signals.signal_at,
        actions.action_type,
        actions.action_id,
        actions.action_at,
        actions.is_auto_triggered,
        'order' as link_reason
    from signals
    inner join actions
        on signals.order_id = actions.related_order_id

),

linked_by_customer as (

    select
        signals.signal_id,
        signals.signal_at,
        actions.action_type,
        actions.action_id,
        actions.action_at,
        actions.is_auto_triggered,
        'customer' as link_reason
    from signals
    inner join actions
        on signals.customer_id = actions.related_customer_id

),

linked_by_line as (

    select
        signals.signal_id,
        signals.signal_at,
        actions.action_type,
        actions.action_id,
        actions.action_at,
        actions.is_auto_triggered,
        'line' as link_reason
    from signals
    inner join actions
        on signals.line_id = actions.line_id

),

linked_by_alert as (

    select
        signals.signal_id,
        signals.signal_at,
        actions.action_type,
        actions.action_id,
        actions.action_at,
        actions.is_auto_triggered,
        'alert' as link_reason
    from signals
    inner join actions
        on signals.signal_id = actions.related_alert_id

),

linked as (

    select * from linked_by_case
    union all
    select * from linked_by_order
    union all
    select * from linked_by_customer
    union all
    select * from linked_by_line
    union all
    select * from linked_by_alert

),

ranked as (

    select
        linked.*,
        row_number() over (
            partition by linked.signal_id
            order by
                linked.action_at,
                -- On a tie the most specific link explains the action best.
                case linked.link_reason
                    when 'alert' then 0 when 'case' then 1 when 'order' then 2
                    when 'customer' then 3 else 4
                end,
                linked.action_id
        ) as action_rank
    from linked
    where linked.action_at > linked.signal_at

),

final as (

    select
        signals.signal_id,
        ranked.action_type as first_action_type,
        ranked.action_id as first_action_id,
        ranked.link_reason,
        ranked.action_at as first_action_at,
        coalesce(ranked.is_auto_triggered, false) as is_auto_triggered
    from signals
    left join ranked
        on signals.signal_id = ranked.signal_id
        and ranked.action_rank = 1

)

select * from final
