-- How far the data reaches: the as-of business date of every KPI and the instant at which
-- open machine states and past-due orders are evaluated. var('as_of_date') pins it (a dbt
-- command run by hand), or else the date the nightly job recorded for this build in the
-- warehouse (a row, not a var: a changed var would make dbt re-parse the whole project);
-- otherwise it is the newest plant date seen in the event sources. Events after the as-of
-- day that signals micro-batches extracted (up to their newest moment) are theirs: they do
-- not count in data_through_at, so a nightly run after a day of micro-batches builds as of
-- its day like any other (SPEC §8).
{%- set as_of_date = var('as_of_date') %}
{%- set recorded = source('extract', 'build_as_of') %}
{%- set recorded_found = execute and relation_if_exists(recorded) is not none %}
{%- set signals = source('extract', 'signals_as_of') %}
{%- set signals_found = execute and relation_if_exists(signals) is not none %}
with

recorded_as_of as (

    {% if recorded_found -%}
        select max(as_of_date) as as_of_date from {{ recorded }}
    {%- else -%}
        select cast(null as date) as as_of_date
    {%- endif %}

),

-- The alert rules' "now" of this build (the newest recorded; the end of the as-of day when
-- none is), and the newest moment a signals micro-batch extracted through: events after
-- the as-of day up to that moment are the micro-batches' and do not move the horizon.
signal_builds as (

    {% if signals_found -%}
        select
            max(case when signal_builds.kind = 'batch' then signal_builds.as_of_at end)
                as batches_through_at,
            max(
                case
                    when signal_builds.recorded_at = newest.recorded_at
                        then signal_builds.as_of_at
                end
            ) as as_of_at
        from {{ signals }} as signal_builds
        cross join (select max(recorded_at) as recorded_at from {{ signals }}) as newest
    {%- else -%}
        select
            cast(null as {{ dbt.type_timestamp() }}) as batches_through_at,
            cast(null as {{ dbt.type_timestamp() }}) as as_of_at
    {%- endif %}

),

events as (

    select state_started_at as event_at from {{ ref('stg_mes__machine_states') }}
    union all
    select hour_at as event_at from {{ ref('stg_mes__production_counts') }}
    union all
    select signed_at as event_at from {{ ref('stg_wms__proofs_of_delivery') }}
    union all
    select modified_at as event_at from {{ ref('stg_erp__sale_orders') }}

),

newest as (

    select max(event_at) as newest_event_at from events

),

resolved as (

    select
        {% if as_of_date -%}
            cast('{{ as_of_date }}' as date) as as_of_date
        {%- else -%}
        coalesce(
            recorded_as_of.as_of_date,
            {{ to_plant_date('newest.newest_event_at') }},
            current_date
        ) as as_of_date
        {%- endif %}
    from newest
    cross join recorded_as_of

),

bounded as (

    select
        resolved.as_of_date,
        -- The end of the as-of plant day: open intervals run until here.
        {{ plant_date_start(add_days('resolved.as_of_date', 1)) }} as as_of_end_at,
        signal_builds.batches_through_at,
        signal_builds.as_of_at
    from resolved
    cross join signal_builds

),

through as (

    select max(events.event_at) as data_through_at
    from events
    cross join bounded
    where events.event_at < bounded.as_of_end_at
        or bounded.batches_through_at is null
        or events.event_at > bounded.batches_through_at

),

final as (

    select
        1 as horizon_id,
        through.data_through_at,
        bounded.as_of_date,
        bounded.as_of_end_at,
        coalesce(bounded.as_of_at, bounded.as_of_end_at) as as_of_at,
        bounded.batches_through_at
    from bounded
    cross join through

)

select * from final
