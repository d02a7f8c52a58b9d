-- Alert episodes (SPEC 8.2): one row per rule x scope x run of windows where the condition
-- holds, once the run reaches the rule's number of consecutive windows. It opens when the
-- condition was met in the window that completed the run (the window's end for a KPI or an
-- order step; the event that reached the threshold for an event count) and resolves at
-- the end of the first full window after it where the condition does not hold (null while
-- open). The alert id hashes
-- rule, scope and the episode's first holding window, so every batch finds the same id.
with

windows as (

    select * from {{ ref('int_alert_windows_evaluated') }}

),

rules as (

    select
        rule_id,
        consecutive_windows
    from {{ ref('stg_excel__alert_rules') }}

),

windows_ordered as (

    select
        windows.*,
        lag(windows.holds) over (
            partition by windows.rule_id, windows.scope_type, windows.scope_id
            order by windows.window_start_at
        ) as previous_holds
    from windows

),

-- Runs: a new run starts wherever holds changes.
windows_in_runs as (

    select
        windows_ordered.*,
        sum(
            case
                when windows_ordered.previous_holds is null
                    or windows_ordered.holds <> windows_ordered.previous_holds
                    then 1
                else 0
            end
        ) over (
            partition by
                windows_ordered.rule_id, windows_ordered.scope_type, windows_ordered.scope_id
            order by windows_ordered.window_start_at
            rows between unbounded preceding and current row
        ) as run_number
    from windows_ordered

),

windows_numbered as (

    select
        windows_in_runs.*,
        row_number() over (
            partition by
                windows_in_runs.rule_id,
                windows_in_runs.scope_type,
                windows_in_runs.scope_id,
                windows_in_runs.run_number
            order by windows_in_runs.window_start_at
        ) as position_in_run,
        min(windows_in_runs.window_start_at) over (
            partition by
                windows_in_runs.rule_id,
                windows_in_runs.scope_type,
                windows_in_runs.scope_id,
                windows_in_runs.run_number
        ) as run_start_at
    from windows_in_runs

),

openings as (

    select windows_numbered.*
    from windows_numbered
    inner join rules
        on windows_numbered.rule_id = rules.rule_id
    where windows_numbered.holds
        and windows_numbered.position_in_run = rules.consecutive_windows

),

-- The first window of the run after a holding run is a window where it does not hold.
clear_windows as (

    select
        windows_numbered.rule_id,
        windows_numbered.scope_type,
        windows_numbered.scope_id,
        windows_numbered.run_number,
        windows_numbered.window_end_at
    from windows_numbered
    where not windows_numbered.holds
        and windows_numbered.position_in_run = 1

),

final as (

    select
        {{ alert_key([
            'openings.rule_id',
            'openings.scope_type',
            'openings.scope_id',
            timestamp_key('openings.run_start_at'),
        ]) }} as alert_id,
        openings.rule_id,
        openings.scope_type,
        openings.scope_id,
        openings.run_start_at as episode_start_at,
        openings.window_start_at as opening_window_start_at,
        -- The moment the condition was met in the window that completed the run: its end
        -- for a KPI, the event that reached the threshold for an event count.
        coalesce(openings.condition_met_at, openings.window_end_at) as opened_at,
        clear_windows.window_end_at as resolved_at,
        openings.observed_value,
        openings.comparator,
        openings.threshold,
        openings.reference,
        openings.line_id,
        openings.team_id,
        openings.machine_id,
        openings.order_id,
        openings.customer_id,
        openings.step_owner_id
    from openings
    left join clear_windows
        on openings.rule_id = clear_windows.rule_id
        and openings.scope_type = clear_windows.scope_type
        and openings.scope_id = clear_windows.scope_id
        and clear_windows.run_number = openings.run_number + 1

)

select * from final
