-- How far the data reaches: the as-of business date of every KPI and the instant at which
-- open machine states and past-due orders are evaluated. var('as_of_date') pins it (a dbt
-- command run by hand), or else the date the nightly job recorded for this build in the
-- warehouse (a row, not a var: a changed var would make dbt re-parse the whole project);
-- otherwise it is the newest plant date seen in the event sources.
{%- set as_of_date = var('as_of_date') %}
{%- set recorded = source('extract', 'build_as_of') %}
{%- set recorded_found = execute and adapter.get_relation(
    database=recorded.database, schema=recorded.schema, identifier=recorded.identifier
) is not none %}
with

recorded_as_of as (

    {% if recorded_found -%}
        select max(as_of_date) as as_of_date from {{ recorded }}
    {%- else -%}
        select cast(null as date) as as_of_date
    {%- endif %}

),

machine_states as (

    select max(state_started_at) as latest_at from {{ ref('stg_mes__machine_states') }}

),

production_counts as (

    select max(hour_at) as latest_at from {{ ref('stg_mes__production_counts') }}

),

proofs_of_delivery as (

    select max(signed_at) as latest_at from {{ ref('stg_wms__proofs_of_delivery') }}

),

sale_orders as (

    select max(modified_at) as latest_at from {{ ref('stg_erp__sale_orders') }}

),

latest as (

    select
        greatest(
            coalesce(machine_states.latest_at, production_counts.latest_at),
            coalesce(production_counts.latest_at, machine_states.latest_at),
            coalesce(proofs_of_delivery.latest_at, sale_orders.latest_at),
            coalesce(sale_orders.latest_at, proofs_of_delivery.latest_at)
        ) as data_through_at
    from machine_states
    cross join production_counts
    cross join proofs_of_delivery
    cross join sale_orders

),

resolved as (

    select
        latest.data_through_at,
        {% if as_of_date -%}
            cast('{{ as_of_date }}' as date) as as_of_date
        {%- else -%}
        coalesce(
            recorded_as_of.as_of_date,
            {{ to_plant_date('latest.data_through_at') }},
            current_date
        ) as as_of_date
        {%- endif %}
    from latest
    cross join recorded_as_of

),

final as (

    select
        1 as horizon_id,
        resolved.data_through_at,
        resolved.as_of_date,
        -- The end of the as-of plant day: open intervals run until here.
        {{ plant_date_start(add_days('resolved.as_of_date', 1)) }} as as_of_end_at
    from resolved

)

select * from final
