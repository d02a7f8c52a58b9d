{#- Nudges (SPEC 9.6): an employee's personal KPI - the kpi_daily KPI and scope their goal
    binds (targets.xlsx, sheet goal_tree, owner_type employee) - worse than its baseline
    on 2 plant days in a row -> ONE message with the 3 suggestions of the suggestion
    table for that KPI. Baseline = the mean of the 14 KPI days before the day. A run of
    bad days is one episode: its key hashes employee, KPI, scope and the run's first day,
    and the outbox inserts a key once (alerts/nudges.py). The goal_tree sheet is read
    through int_personal_kpi_bindings: a workbook without it gives no nudge. -#}
{%- set consecutive_days = var('nudge_consecutive_days', 2) -%}
{%- set baseline_days = var('nudge_baseline_days', 14) -%}
with

bindings as (

    select * from {{ ref('int_personal_kpi_bindings') }}

),

bound_scopes as (

    select distinct
        kpi_code,
        scope_type,
        scope_id
    from bindings

),

kpi_days as (

    select
        kpi_daily.scope_type,
        kpi_daily.scope_id,
        kpi_daily.kpi_code,
        kpi_daily.kpi_name,
        kpi_daily.kpi_date,
        kpi_daily.value,
        kpi_daily.direction,
        avg(kpi_daily.value) over (
            partition by kpi_daily.scope_type, kpi_daily.scope_id, kpi_daily.kpi_code
            order by kpi_daily.kpi_date
            rows between {{ baseline_days }} preceding and 1 preceding
        ) as baseline
    from {{ ref('kpi_daily') }} as kpi_daily
    inner join bound_scopes as bound
        on kpi_daily.kpi_code = bound.kpi_code
        and kpi_daily.scope_type = bound.scope_type
        and kpi_daily.scope_id = bound.scope_id
    where kpi_daily.value is not null

),

judged as (

    select
        kpi_days.*,
        coalesce(
            case
                when kpi_days.direction = 'lower_is_better' then kpi_days.value > kpi_days.baseline
                else kpi_days.value < kpi_days.baseline
            end,
            false
        ) as is_below_baseline,
        row_number() over (
            partition by kpi_days.scope_type, kpi_days.scope_id, kpi_days.kpi_code
            order by kpi_days.kpi_date
        ) as day_number
    from kpi_days

),

runs as (

    -- A run of consecutive KPI days below baseline: day_number minus the rank among the
    -- below days is constant along it.
    select
        judged.*,
        judged.day_number - row_number() over (
            partition by
                judged.scope_type, judged.scope_id, judged.kpi_code,
                judged.is_below_baseline
            order by judged.kpi_date
        ) as run_id
    from judged
    where judged.is_below_baseline

),

run_days as (

    select
        runs.*,
        min(runs.kpi_date) over (
            partition by runs.scope_type, runs.scope_id, runs.kpi_code, runs.run_id
        ) as run_start_date,
        row_number() over (
            partition by runs.scope_type, runs.scope_id, runs.kpi_code, runs.run_id
            order by runs.kpi_date
        ) as run_day
    from runs

),

triggered as (

    select * from run_days
    where run_day = {{ consecutive_days }}

),

suggestions as (

    select
        kpi_code,
        {{ string_agg(
            "cast(suggestion_rank as " ~ dbt.type_string() ~ ") || '. ' || suggestion",
            "chr(10)",
            order_by='suggestion_rank',
        ) }} as suggestions,
        {{ string_agg(
            "cast(suggestion_rank as " ~ dbt.type_string() ~ ") || '. ' || suggestion_en",
            "chr(10)",
            order_by='suggestion_rank',
        ) }} as suggestions_en,
        count(*) as suggestion_count
    from {{ ref('suggestions') }}
    where suggestion_rank <= 3
    group by kpi_code

),

employees as (

    select
        employee_id,
        employee_name,
        oa_user_id,
        manager_employee_id
    from {{ ref('stg_hr__employees') }}

),

-- Who receives the nudge: the employee, or, for one without an OA account (an operator on
-- the line has none), the direct supervisor, who coaches them. Never a message without an
-- address retried batch after batch.
recipients as (

    select
        employees.employee_id,
        coalesce(employees.oa_user_id, managers.oa_user_id) as recipient_oa_user_id,
        employees.oa_user_id is null and managers.oa_user_id is not null
            as is_to_supervisor
    from employees
    left join employees as managers
        on employees.manager_employee_id = managers.employee_id

),

final as (

    select
        {{ alert_key([
            "'nudge'",
            'bindings.employee_id',
            'triggered.kpi_code',
            'triggered.scope_type',
            'triggered.scope_id',
            'triggered.run_start_date',
        ]) }} as nudge_key,
        bindings.employee_id,
        employees.employee_name,
        employees.oa_user_id,
        recipients.recipient_oa_user_id,
        coalesce(recipients.is_to_supervisor, false) as is_to_supervisor,
        triggered.kpi_code,
        triggered.kpi_name,
        triggered.scope_type,
        triggered.scope_id,
        triggered.run_start_date,
        triggered.kpi_date as triggered_on,
        -- Due when the plant day that completed the run is over.
        {{ plant_date_start(add_days('triggered.kpi_date', 1)) }} as due_at,
        triggered.value,
        triggered.baseline,
        suggestions.suggestions,
        suggestions.suggestions_en,
        coalesce(suggestions.suggestion_count, 0) as suggestion_count
    from triggered
    inner join bindings
        on triggered.kpi_code = bindings.kpi_code
        and triggered.scope_type = bindings.scope_type
        and triggered.scope_id = bindings.scope_id
    left join employees
        on bindings.employee_id = employees.employee_id
    left join recipients
        on bindings.employee_id = recipients.employee_id
    left join suggestions
        on triggered.kpi_code = suggestions.kpi_code

)

select * from final
