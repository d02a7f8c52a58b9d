-- One row per signal (SPEC 5.5): a complaint or escalated CRM case, its first linked
-- internal action and the response time in hours.
with

signals as (

    select * from {{ ref('int_signals_identified') }}

),

responses as (

    select * from {{ ref('int_signals_responded') }}

),

final as (

    select
        signals.signal_id,
        signals.signal_type,
        signals.signal_source,
        signals.case_number,
        signals.is_complaint,
        signals.is_escalated,
        signals.priority,
        signals.customer_id,
        signals.order_id,
        signals.line_id,
        signals.signal_at,
        {{ to_plant_date('signals.signal_at') }} as signal_date,
        {{ month_start(to_plant_date('signals.signal_at')) }} as signal_month,
        responses.first_action_at,
        responses.first_action_type,
        responses.first_action_id,
        responses.link_reason,
        responses.first_action_at is not null as is_responded,
        round(
            {{ hours_between('signals.signal_at', 'responses.first_action_at') }}, 4
        ) as response_hours,
        responses.is_auto_triggered
    from signals
    inner join responses
        on signals.signal_id = responses.signal_id

)

select * from final
