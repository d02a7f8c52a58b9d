-- Freshness of each source at the batch's as-of moment (SPEC 8.6, docs/alerts.md
-- "Platform alerts"). A source is as current as the newest extraction window it landed
-- (raw._batches: the batch's moment for a micro-batch, the end of the as-of day for a
-- nightly run), counting only the batches that read through the as-of moment or before,
-- so a replay of any moment judges what was landed by then. It is stale when that lies
-- more than its var('platform_freshness') lag behind the as-of moment, and, for a source
-- watched `during: shifts`, a scheduled shift is running then. Decided here, from data,
-- and not in Python: a replay of the same moment finds the same episodes and keys.
--
-- An episode is one stretch without a new window: its id hashes the source and the window
-- end it is stuck at, so every batch while it lasts finds the same id (one message), and
-- the batch after the next landing reports it resolved (`resolved_episode_id`).
{{ config(materialized='view') }}
{%- set expected = var('platform_freshness') -%}
{%- if expected is string -%}
    {#- SQLFluff's stand-in `var` gives the name, not dbt_project.yml's list. -#}
    {%- set expected = [{'source': 'mes', 'max_lag_minutes': 30, 'during': 'shifts'}] -%}
{%- endif %}
with

expectations as (

    {% for expectation in expected -%}
        select
            cast('{{ expectation.source }}' as {{ dbt.type_string() }}) as source_system,
            {{ expectation.max_lag_minutes | int }} as max_lag_minutes,
            cast('{{ expectation.during }}' as {{ dbt.type_string() }}) as watched_during
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

as_of as (

    {{ alert_as_of() }}

),

batches as (

    select distinct
        batches.source_system,
        batches.read_through_at
    from {{ ref('stg_extract__batches') }} as batches
    cross join as_of
    where batches.read_through_at <= as_of.as_of_at

),

-- The newest window end of each source, and the one before it (a different instant).
ranked as (

    select
        source_system,
        read_through_at,
        row_number() over (partition by source_system order by read_through_at desc) as recency
    from batches

),

reads as (

    select
        source_system,
        max(case when recency = 1 then read_through_at end) as read_through_at,
        max(case when recency = 2 then read_through_at end) as previous_read_through_at
    from ranked
    where recency <= 2
    group by source_system

),

-- Shifts running at the as-of moment (HR schedules and shift times): the night shift
-- of the day before is among them.
shifts_running as (

    select count(*) as shifts
    from {{ ref('stg_hr__shift_schedules') }} as schedules
    inner join {{ ref('stg_hr__shifts') }} as shifts
        on schedules.shift_code = shifts.shift_code
    cross join as_of
    where
        {{ local_to_utc(add_minutes('cast(schedules.work_date as timestamp)',
            hhmm_to_minutes('shifts.start_time'))) }} <= as_of.as_of_at
        and {{ local_to_utc(add_minutes('cast(schedules.work_date as timestamp)',
            '(' ~ hhmm_to_minutes('shifts.end_time') ~ ' + case when '
            ~ hhmm_to_minutes('shifts.end_time') ~ ' <= ' ~ hhmm_to_minutes('shifts.start_time')
            ~ ' then 1440 else 0 end)')) }} > as_of.as_of_at

),

judged as (

    select
        expectations.source_system,
        expectations.max_lag_minutes,
        expectations.watched_during,
        as_of.as_of_at,
        reads.read_through_at,
        reads.previous_read_through_at,
        {{ minutes_between('reads.read_through_at', 'as_of.as_of_at') }} as lag_minutes,
        case expectations.watched_during
            when 'always' then true
            when 'shifts' then shifts_running.shifts > 0
            else false
        end as is_watched
    from expectations
    cross join as_of
    cross join shifts_running
    -- A source never landed is not part of this installation: nothing to judge.
    inner join reads
        on expectations.source_system = reads.source_system

),

final_rows as (

    select
        source_system,
        max_lag_minutes,
        watched_during,
        as_of_at,
        read_through_at,
        lag_minutes,
        is_watched,
        is_watched and lag_minutes > max_lag_minutes as is_stale,
        {{ alert_key(["'freshness'", 'source_system', 'read_through_at']) }} as episode_id,
        {{ add_minutes('read_through_at', 'max_lag_minutes') }} as stale_since_at,
        previous_read_through_at,
        -- The newest landing ended a stale stretch: the gap before it passed the lag.
        coalesce(
            {{ minutes_between('previous_read_through_at', 'read_through_at') }}
            > max_lag_minutes,
            false
        ) as ended_stale_stretch
    from judged

),

keyed as (

    select
        final_rows.*,
        case
            when final_rows.ended_stale_stretch
                then {{ alert_key(["'freshness'", 'final_rows.source_system',
                    'final_rows.previous_read_through_at']) }}
        end as resolved_episode_id
    from final_rows

)

select * from keyed
