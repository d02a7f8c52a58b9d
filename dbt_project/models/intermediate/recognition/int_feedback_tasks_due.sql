-- Micro-feedback tasks that must exist (SPEC 9.4): one row per event x feedback rule, in
-- the shape of int_alert_actions_due, so the action-task ledger (alerts/tasks.py) creates
-- each one OA task, once. The event here is a CRM renewal won: a won opportunity of an
-- account that had won one before -> its owner (account_owner) gets the rule's template
-- (成功经验萃取). R3's 技能缺口诊断问卷 is already an alert action (int_alert_actions_due):
-- a feedback rule of event alert_task only names it as evidence (int_feedback_answers).
-- A person is not asked again by the same rule within its cooldown (SPEC 9.4: a short
-- template when something happens, not a questionnaire a day): the plant days are cut into
-- windows of cooldown_days days (counted from Monday 2000-01-03, the same for everyone)
-- and only the first renewal recorded in a person's window asks; cooldown_days 0 asks on
-- every renewal. Fixed windows, not "cooldown days after the last task", so whether a
-- renewal asks depends on its window's renewals alone (no recursion, portable SQL).
with

rules as (

    select
        feedback_rule_id,
        rule_name,
        role,
        template,
        cooldown_days
    from {{ ref('stg_excel__feedback_rules') }}
    where event_name = 'crm_renewal_won'
        and is_enabled

),

opportunities as (

    select
        opportunity_id,
        opportunity_name,
        account_id,
        owner_user_id,
        close_date,
        last_modified_at,
        row_number() over (
            partition by account_id order by close_date, opportunity_id
        ) as won_rank
    from {{ ref('stg_crm__opportunities') }}
    where is_won

),

accounts as (

    select
        account_id,
        customer_id
    from {{ ref('stg_crm__accounts') }}

),

crm_users as (

    select
        crm_user_id,
        employee_id
    from {{ ref('stg_crm__users') }}

),

employees as (

    select
        employee_id,
        employee_name,
        oa_user_id
    from {{ ref('stg_hr__employees') }}

),

renewals as (

    select * from opportunities
    where won_rank > 1

),

tasks as (

    select
        renewals.opportunity_id,
        renewals.opportunity_name,
        accounts.customer_id,
        renewals.last_modified_at as due_at,
        rules.feedback_rule_id,
        rules.rule_name,
        rules.role,
        rules.template,
        employees.employee_id,
        employees.employee_name,
        employees.oa_user_id,
        case
            when rules.cooldown_days > 0
                then floor(
                        {{ dbt.datediff(
                            "cast('2000-01-03' as date)",
                            to_plant_date('renewals.last_modified_at'),
                            'day',
                        ) }} / rules.cooldown_days
                    )
        end as cooldown_window
    from renewals
    cross join rules
    inner join crm_users
        on renewals.owner_user_id = crm_users.crm_user_id
    inner join employees
        on crm_users.employee_id = employees.employee_id
    left join accounts
        on renewals.account_id = accounts.account_id

),

ranked as (

    select
        tasks.*,
        row_number() over (
            partition by tasks.feedback_rule_id, tasks.employee_id, tasks.cooldown_window
            order by tasks.due_at, tasks.opportunity_id
        ) as rank_in_window
    from tasks

),

asked as (

    -- The first renewal of the person's window asks (ties: the opportunity id); without a
    -- cooldown every renewal asks.
    select *
    from ranked
    where cooldown_window is null
        or rank_in_window = 1

),

final as (

    select
        {{ alert_key([
            "'feedback'",
            'feedback_rule_id',
            'opportunity_id',
            'template',
            'employee_id',
        ]) }} as action_key,
        'FB-' || feedback_rule_id || '-' || opportunity_id as alert_id,
        feedback_rule_id as rule_id,
        rule_name,
        'oa_task' as kind,
        template,
        role as assignee_role,
        employee_id as assignee_id,
        employee_name as assignee_name,
        oa_user_id as assignee_oa_user_id,
        'customer' as scope_type,
        customer_id as scope_id,
        opportunity_name as reference,
        cast(null as {{ dbt.type_string() }}) as order_id,
        customer_id,
        due_at
    from asked

)

select * from final
