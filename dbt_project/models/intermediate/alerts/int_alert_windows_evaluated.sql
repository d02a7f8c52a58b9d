-- Every rule evaluated over its windows (SPEC 8.1, docs/alerts.md "Conditions"): one row
-- per rule x scope x window, the value observed in the window, the rule's threshold and
-- whether the condition holds. Windows that ended by the batch's as-of moment count; a
-- window still running counts only when it already holds a count of events that can only
-- grow (complaints opened, unplanned stops, with > or >=): a complaint at 10:07 alerts in
-- the 10:15 batch, not after its hour ends. A KPI window (a ratio that can still move
-- either way) and an order step's hours behind (judged at the window's end) wait for the
-- window to end. Events are counted up to the as-of moment only, so a replay of any moment
-- gives the same rows.
-- A scope has a window only where there is data to judge it by (a team-hour with first
-- inspections, a machine on a plant day with state records, an order with a step behind
-- its plan, a customer with an open complaint): no data is neither a breach nor a clear.
with

rules as (

    select
        rule_id,
        scope_type,
        condition_name,
        kpi_code,
        comparator,
        threshold,
        window_grain
    from {{ ref('stg_excel__alert_rules') }}
    where is_enabled

),

as_of as (

    {{ alert_as_of() }}

),

team_hours_inspected as (

    select
        team_id,
        hour_at,
        first_inspected_qty,
        first_passed_qty
    from {{ ref('int_team_hours_inspected') }}
    where first_inspected_qty > 0

),

teams as (

    select
        team_id,
        line_id
    from {{ ref('stg_hr__teams') }}

),

equipment as (

    select
        machine_id,
        line_id,
        mtconnect_uuid
    from {{ ref('stg_mes__equipment') }}

),

machine_states as (

    select
        mtconnect_uuid,
        state_started_at,
        machine_state
    from {{ ref('stg_mes__machine_states') }}

),

production_orders as (

    select
        production_order_id,
        order_id,
        line_id,
        planner_employee_id,
        due_date,
        production_order_state,
        modified_at
    from {{ ref('stg_erp__production_orders') }}
    where order_id is not null

),

consignments as (

    select
        consignment_id,
        order_id,
        consignment_date,
        clerk_employee_id
    from {{ ref('stg_erp__consignments') }}

),

shipments as (

    select
        shipment_id,
        consignment_id,
        order_id,
        shipped_at,
        handler_employee_id
    from {{ ref('stg_wms__shipments') }}

),

crm_cases as (

    select
        case_number,
        account_id,
        created_at,
        closed_at
    from {{ ref('stg_crm__cases') }}
    where case_type = 'Complaint'
        or coalesce(is_escalated, false)

),

accounts as (

    select
        account_id,
        customer_id
    from {{ ref('stg_crm__accounts') }}

),

-- The signals of SPEC 5.5 (as int_signals_identified, which reads the alerts in turn).
cases as (

    select
        crm_cases.case_number,
        accounts.customer_id,
        crm_cases.created_at as signal_at,
        crm_cases.closed_at
    from crm_cases
    inner join accounts
        on crm_cases.account_id = accounts.account_id
    where accounts.customer_id is not null

),

-- kpi: a team's KPI per hour or plant day, from the components (SPEC 5.3: summed, then
-- divided once).
kpi_hours as (

    select
        rules.rule_id,
        rules.comparator,
        rules.threshold,
        team_hours_inspected.team_id,
        case
            when
                rules.window_grain = 'day'
                then {{ plant_day_start('team_hours_inspected.hour_at') }}
            else team_hours_inspected.hour_at
        end as window_start_at,
        case
            when rules.window_grain = 'day'
                then {{ plant_date_start(
                    add_days(to_plant_date('team_hours_inspected.hour_at'), 1)
                ) }}
            else {{ add_hours('team_hours_inspected.hour_at', 1) }}
        end as window_end_at,
        team_hours_inspected.first_inspected_qty,
        team_hours_inspected.first_passed_qty
    from rules
    cross join team_hours_inspected
    where rules.condition_name = 'kpi'
        and rules.scope_type = 'team'
        and rules.kpi_code = 'first_pass_yield'
        and rules.window_grain in ('hour', 'day')

),

kpi_windows as (

    select
        kpi_hours.rule_id,
        'team' as scope_type,
        kpi_hours.team_id as scope_id,
        kpi_hours.window_start_at,
        kpi_hours.window_end_at,
        {{ safe_divide('sum(kpi_hours.first_passed_qty)', 'sum(kpi_hours.first_inspected_qty)') }}
            as observed_value,
        kpi_hours.comparator,
        kpi_hours.threshold,
        teams.line_id,
        kpi_hours.team_id,
        cast(null as {{ dbt.type_string() }}) as machine_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as step_owner_id,
        kpi_hours.team_id as reference,
        false as is_event_count,
        kpi_hours.window_end_at as first_met_at
    from kpi_hours
    left join teams
        on kpi_hours.team_id = teams.team_id
    group by
        kpi_hours.rule_id,
        kpi_hours.team_id,
        kpi_hours.window_start_at,
        kpi_hours.window_end_at,
        kpi_hours.comparator,
        kpi_hours.threshold,
        teams.line_id

),

-- unplanned_stops: every unplanned_down record is a stop (a change into the state), as
-- fct_oee_shift.unplanned_stop_count counts them.
machine_states_flagged as (

    select
        equipment.machine_id,
        equipment.line_id,
        machine_states.state_started_at,
        machine_states.machine_state = 'unplanned_down' as is_stop
    from machine_states
    inner join equipment
        on machine_states.mtconnect_uuid = equipment.mtconnect_uuid

),

machine_state_windows as (

    select
        rules.rule_id,
        rules.comparator,
        rules.threshold,
        machine_states_flagged.machine_id,
        machine_states_flagged.line_id,
        machine_states_flagged.is_stop,
        machine_states_flagged.state_started_at,
        case
            when rules.window_grain = 'day'
                then {{ plant_day_start('machine_states_flagged.state_started_at') }}
            else {{ plant_hour_start('machine_states_flagged.state_started_at') }}
        end as window_start_at,
        case
            when rules.window_grain = 'day'
                then {{ plant_date_start(add_days(
                    to_plant_date('machine_states_flagged.state_started_at'), 1)) }}
            else {{ add_hours(plant_hour_start('machine_states_flagged.state_started_at'), 1) }}
        end as window_end_at
    from rules
    cross join machine_states_flagged
    cross join as_of
    where rules.condition_name = 'unplanned_stops'
        and rules.scope_type = 'machine'
        and rules.window_grain in ('hour', 'day')
        and machine_states_flagged.state_started_at < as_of.as_of_at

),

-- The running count of stops in each window: the stop that makes the condition hold is
-- when it was met (an event count can only grow).
machine_state_windows_counted as (

    select
        machine_state_windows.*,
        sum(case when machine_state_windows.is_stop then 1 else 0 end) over (
            partition by
                machine_state_windows.rule_id,
                machine_state_windows.machine_id,
                machine_state_windows.window_start_at
            order by machine_state_windows.state_started_at
            rows between unbounded preceding and current row
        ) as running_stops
    from machine_state_windows

),

stop_windows as (

    select
        machine_state_windows.rule_id,
        'machine' as scope_type,
        machine_state_windows.machine_id as scope_id,
        machine_state_windows.window_start_at,
        machine_state_windows.window_end_at,
        cast(sum(case when machine_state_windows.is_stop then 1 else 0 end) as double)
            as observed_value,
        coalesce(machine_state_windows.comparator, '>=') as comparator,
        machine_state_windows.threshold,
        machine_state_windows.line_id,
        cast(null as {{ dbt.type_string() }}) as team_id,
        machine_state_windows.machine_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as step_owner_id,
        machine_state_windows.machine_id as reference,
        true as is_event_count,
        min(
            case
                when machine_state_windows.is_stop
                    and {{ alert_compare(
                        'machine_state_windows.running_stops',
                        "coalesce(machine_state_windows.comparator, '>=')",
                        'machine_state_windows.threshold'
                    ) }}
                    then machine_state_windows.state_started_at
            end
        ) as first_met_at
    from machine_state_windows_counted as machine_state_windows
    group by
        machine_state_windows.rule_id,
        machine_state_windows.machine_id,
        machine_state_windows.line_id,
        machine_state_windows.window_start_at,
        machine_state_windows.window_end_at,
        machine_state_windows.comparator,
        machine_state_windows.threshold

),

-- order_step_late: an order's production steps (production orders naming it, done when
-- closed in ERP) and shipping steps (its dispatch lists, done when the shipment left;
-- owned by the shipment's handler, or the list's clerk while nothing ships). A step
-- planned for date D is due at the end of D's production day (08:00 plant time on D + 1,
-- var alert_production_day_end_hour).
production_steps as (

    select
        production_orders.order_id,
        production_orders.production_order_id as step_id,
        production_orders.line_id,
        {{ step_due_at('production_orders.due_date') }} as planned_at,
        case
            when production_orders.production_order_state = '关闭'
                then production_orders.modified_at
        end as done_at,
        production_orders.planner_employee_id as step_owner_id
    from production_orders
    where production_orders.due_date is not null

),

consignments_per_list as (

    select
        consignments.consignment_id,
        min(consignments.order_id) as order_id,
        min(consignments.consignment_date) as consignment_date,
        min(consignments.clerk_employee_id) as clerk_employee_id
    from consignments
    group by consignments.consignment_id

),

shipments_per_list as (

    select
        shipments.consignment_id,
        min(shipments.shipped_at) as shipped_at,
        min(shipments.handler_employee_id) as handler_employee_id
    from shipments
    where shipments.consignment_id is not null
    group by shipments.consignment_id

),

shipping_steps as (

    select
        consignments_per_list.order_id,
        consignments_per_list.consignment_id as step_id,
        cast(null as {{ dbt.type_string() }}) as line_id,
        {{ step_due_at('consignments_per_list.consignment_date') }} as planned_at,
        shipments_per_list.shipped_at as done_at,
        coalesce(
            shipments_per_list.handler_employee_id, consignments_per_list.clerk_employee_id
        ) as step_owner_id
    from consignments_per_list
    left join shipments_per_list
        on consignments_per_list.consignment_id = shipments_per_list.consignment_id
    where consignments_per_list.order_id is not null
        and consignments_per_list.consignment_date is not null

),

steps as (

    select * from production_steps
    union all
    select * from shipping_steps

),

-- Each step from the hour it passes the rule's threshold until it is done (the hour it is
-- done in is its clear window), or until the as-of moment.
late_steps as (

    select
        rules.rule_id,
        rules.comparator,
        rules.threshold,
        steps.order_id,
        steps.step_id,
        steps.line_id,
        steps.planned_at,
        steps.done_at,
        steps.step_owner_id,
        {{ add_minutes('steps.planned_at', 'coalesce(rules.threshold, 0) * 60') }} as late_from_at,
        as_of.as_of_at
    from rules
    cross join steps
    cross join as_of
    where rules.condition_name = 'order_step_late'
        and rules.scope_type = 'order'
        and rules.window_grain = 'hour'
        and (
            steps.done_at is null
            or steps.done_at
            > {{ add_minutes('steps.planned_at', 'coalesce(rules.threshold, 0) * 60') }}
        )
        and {{ add_minutes('steps.planned_at', 'coalesce(rules.threshold, 0) * 60') }}
        < as_of.as_of_at

),

late_step_hours as (

    select
        late_steps.*,
        {{ hour_starts_between(
            'late_steps.late_from_at',
            'least(coalesce(late_steps.done_at, late_steps.as_of_at), late_steps.as_of_at)'
        ) }} as window_start_at
    from late_steps

),

late_step_windows as (

    select
        late_step_hours.*,
        {{ add_hours('late_step_hours.window_start_at', 1) }} as window_end_at,
        -- Hours behind plan at the window's end, while the step is not done by then.
        case
            when late_step_hours.done_at is null
                or late_step_hours.done_at > {{ add_hours('late_step_hours.window_start_at', 1) }}
                then {{ hours_between(
                    'late_step_hours.planned_at',
                    add_hours('late_step_hours.window_start_at', 1)
                ) }}
        end as hours_behind
    from late_step_hours

),

late_step_ranked as (

    select
        late_step_windows.*,
        row_number() over (
            partition by
                late_step_windows.rule_id,
                late_step_windows.order_id,
                late_step_windows.window_start_at
            order by late_step_windows.hours_behind desc nulls last, late_step_windows.step_id asc
        ) as step_rank
    from late_step_windows

),

order_windows as (

    select
        late_step_ranked.rule_id,
        'order' as scope_type,
        late_step_ranked.order_id as scope_id,
        late_step_ranked.window_start_at,
        late_step_ranked.window_end_at,
        coalesce(round(late_step_ranked.hours_behind, 4), 0) as observed_value,
        coalesce(late_step_ranked.comparator, '>') as comparator,
        late_step_ranked.threshold,
        late_step_ranked.line_id,
        cast(null as {{ dbt.type_string() }}) as team_id,
        cast(null as {{ dbt.type_string() }}) as machine_id,
        late_step_ranked.order_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        -- The owner of the step furthest behind.
        late_step_ranked.step_owner_id,
        late_step_ranked.order_id || ' ' || late_step_ranked.step_id as reference,
        false as is_event_count,
        late_step_ranked.window_end_at as first_met_at
    from late_step_ranked
    where late_step_ranked.step_rank = 1

),

-- crm_case_opened: a customer's complaint or escalated cases opened in the hour; the hour
-- after a case's is evaluated too (its clear window unless another case opened then).
open_case_hours as (

    select
        rules.rule_id,
        rules.comparator,
        rules.threshold,
        cases.customer_id,
        cases.case_number,
        cases.signal_at,
        cases.closed_at,
        {{ hour_starts_between(
            'cases.signal_at', add_hours(plant_hour_start('cases.signal_at'), 2)
        ) }} as window_start_at
    from rules
    cross join cases
    cross join as_of
    where rules.condition_name = 'crm_case_opened'
        and rules.scope_type = 'customer'
        and rules.window_grain = 'hour'
        and cases.signal_at < as_of.as_of_at

),

open_case_hours_counted as (

    select
        open_case_hours.*,
        case
            when open_case_hours.signal_at >= open_case_hours.window_start_at
                and open_case_hours.signal_at
                < {{ add_hours('open_case_hours.window_start_at', 1) }}
                then 1
            else 0
        end as in_window
    from open_case_hours

),

-- The running count of cases in each window, as for stops.
open_case_hours_running as (

    select
        open_case_hours_counted.*,
        sum(open_case_hours_counted.in_window) over (
            partition by
                open_case_hours_counted.rule_id,
                open_case_hours_counted.customer_id,
                open_case_hours_counted.window_start_at
            order by open_case_hours_counted.signal_at, open_case_hours_counted.case_number
            rows between unbounded preceding and current row
        ) as running_cases
    from open_case_hours_counted

),

case_windows as (

    select
        open_case_hours.rule_id,
        'customer' as scope_type,
        open_case_hours.customer_id as scope_id,
        open_case_hours.window_start_at,
        {{ add_hours('open_case_hours.window_start_at', 1) }} as window_end_at,
        cast(sum(open_case_hours.in_window) as double) as observed_value,
        coalesce(open_case_hours.comparator, '>') as comparator,
        coalesce(open_case_hours.threshold, 0) as threshold,
        cast(null as {{ dbt.type_string() }}) as line_id,
        cast(null as {{ dbt.type_string() }}) as team_id,
        cast(null as {{ dbt.type_string() }}) as machine_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        open_case_hours.customer_id,
        cast(null as {{ dbt.type_string() }}) as step_owner_id,
        open_case_hours.customer_id || ' ' || min(open_case_hours.case_number) as reference,
        true as is_event_count,
        min(
            case
                when open_case_hours.in_window = 1
                    and {{ alert_compare(
                        'open_case_hours.running_cases',
                        "coalesce(open_case_hours.comparator, '>')",
                        'coalesce(open_case_hours.threshold, 0)'
                    ) }}
                    then open_case_hours.signal_at
            end
        ) as first_met_at
    from open_case_hours_running as open_case_hours
    group by
        open_case_hours.rule_id,
        open_case_hours.customer_id,
        open_case_hours.window_start_at,
        open_case_hours.comparator,
        open_case_hours.threshold

),

windows as (

    select * from kpi_windows
    union all
    select * from stop_windows
    union all
    select * from order_windows
    union all
    select * from case_windows

),

final as (

    select
        {{ concat_key([
            'windows.rule_id',
            'windows.scope_type',
            'windows.scope_id',
            timestamp_key('windows.window_start_at'),
        ], '|') }} as alert_window_id,
        windows.rule_id,
        windows.scope_type,
        windows.scope_id,
        windows.window_start_at,
        windows.window_end_at,
        windows.observed_value,
        windows.comparator,
        windows.threshold,
        coalesce(
            {{ alert_compare(
                'windows.observed_value', 'windows.comparator', 'windows.threshold'
            ) }},
            false
        ) as holds,
        windows.reference,
        windows.line_id,
        windows.team_id,
        windows.machine_id,
        windows.order_id,
        windows.customer_id,
        windows.step_owner_id,
        -- When the condition became true: a KPI or an order step is judged at the window's
        -- end; an event count (> or >=) by the event that made it reach the threshold, so
        -- an alert opens when its signal appears, not when its window ends. Null where it
        -- does not hold.
        case
            when not coalesce({{ alert_compare(
                'windows.observed_value', 'windows.comparator', 'windows.threshold'
            ) }}, false)
                then null
            when windows.is_event_count and windows.comparator in ('>', '>=')
                then windows.first_met_at
            else windows.window_end_at
        end as condition_met_at
    from windows
    cross join as_of
    where windows.window_end_at <= as_of.as_of_at
        or (
            windows.is_event_count
            and windows.comparator in ('>', '>=')
            and coalesce({{ alert_compare(
                'windows.observed_value', 'windows.comparator', 'windows.threshold'
            ) }}, false)
        )

)

select * from final
