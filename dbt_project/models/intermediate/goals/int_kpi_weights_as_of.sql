-- One row per owner x KPI x as-of date: the weight in force on that day (SPEC 9.2). The
-- as-of dates are the first days of the goal periods, so every period is scored with the
-- weights in force on its first day: an as-of join on effective_from / effective_to (the
-- sheet's own dates, never snapshot times), so a past month recomputes to the same weight
-- whatever is changed later. A new_channel rule in force on the day moves the raised KPI
-- to its new weight and takes the difference from the lowered one, so the sum stays 1.
with

as_of_dates as (

    select distinct {{ goal_period_start('goal_period') }} as as_of_date
    from {{ ref('stg_excel__goal_tree') }}

),

weights as (

    select
        owner_type,
        owner_id,
        kpi_code,
        weight,
        effective_from,
        effective_to
    from {{ ref('stg_excel__kpi_weights') }}

),

channel_rules as (

    select
        rule_id,
        from_date,
        owner_type,
        owner_id,
        kpi_raised,
        kpi_lowered,
        new_weight
    from {{ ref('stg_excel__weight_rules') }}
    where condition_name = 'new_channel'

),

in_force as (

    select
        weights.owner_type,
        weights.owner_id,
        weights.kpi_code,
        as_of_dates.as_of_date,
        weights.weight as base_weight,
        weights.effective_from
    from weights
    inner join as_of_dates
        on
        weights.effective_from <= as_of_dates.as_of_date
        and (weights.effective_to is null or as_of_dates.as_of_date <= weights.effective_to)

),

-- The new_channel rule in force for an owner on a day: the one with the latest from_date
-- (the sheet allows one per owner; `*` names every owner of the type).
rules_in_force as (

    select
        in_force.owner_type,
        in_force.owner_id,
        in_force.as_of_date,
        channel_rules.rule_id,
        channel_rules.from_date,
        channel_rules.kpi_raised,
        channel_rules.kpi_lowered,
        channel_rules.new_weight,
        row_number() over (
            partition by in_force.owner_type, in_force.owner_id, in_force.as_of_date
            order by channel_rules.from_date desc, channel_rules.rule_id desc
        ) as rule_rank
    from in_force
    inner join channel_rules
        on
        in_force.owner_type = channel_rules.owner_type
        and channel_rules.owner_id in (in_force.owner_id, '*')
        and in_force.kpi_code = channel_rules.kpi_raised
        and channel_rules.from_date <= in_force.as_of_date

),

raised_before as (

    select
        rules_in_force.*,
        in_force.base_weight as raised_base_weight
    from rules_in_force
    inner join in_force
        on
        rules_in_force.owner_type = in_force.owner_type
        and rules_in_force.owner_id = in_force.owner_id
        and rules_in_force.as_of_date = in_force.as_of_date
        and rules_in_force.kpi_raised = in_force.kpi_code
    where rules_in_force.rule_rank = 1

),

final as (

    select
        {{ concat_key(
            ['in_force.owner_type', 'in_force.owner_id', 'in_force.kpi_code', 'in_force.as_of_date'],
            '|'
        ) }} as kpi_weight_as_of_id,
        in_force.owner_type,
        in_force.owner_id,
        in_force.kpi_code,
        in_force.as_of_date,
        in_force.base_weight,
        round(
            case
                when in_force.kpi_code = raised_before.kpi_raised then raised_before.new_weight
                when in_force.kpi_code = raised_before.kpi_lowered
                    then in_force.base_weight
                        - (raised_before.new_weight - raised_before.raised_base_weight)
                else in_force.base_weight
            end,
            6
        ) as weight,
        case
            when in_force.kpi_code in (raised_before.kpi_raised, raised_before.kpi_lowered)
                then greatest(in_force.effective_from, raised_before.from_date)
            else in_force.effective_from
        end as weight_effective_from,
        case
            when in_force.kpi_code in (raised_before.kpi_raised, raised_before.kpi_lowered)
                then raised_before.rule_id
        end as weight_rule_id
    from in_force
    left join raised_before
        on
        in_force.owner_type = raised_before.owner_type
        and in_force.owner_id = raised_before.owner_id
        and in_force.as_of_date = raised_before.as_of_date

)

select * from final
