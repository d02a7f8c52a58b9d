{#-
    Time zone handling. Timestamps are stored as UTC instants (timestamptz); plant-local
    wall time exists only inside these macros. DuckDB: timezone(zone, timestamp) reads a
    wall time in `zone` and returns the instant; timezone(zone, timestamptz) returns the
    wall time in `zone`.
-#}

{% macro plant_tz() -%}
    '{{ var("plant_tz") }}'
{%- endmacro %}

{#- A plant-local wall time (timestamp without zone) as a UTC instant. -#}
{% macro local_to_utc(column) -%}
    {{ return(adapter.dispatch('local_to_utc', 'perfchain')(column)) }}
{%- endmacro %}
{% macro default__local_to_utc(column) -%}
    timezone({{ plant_tz() }}, {{ column }})
{%- endmacro %}
{#- Spark: a timestamp is an instant shown in the session time zone (UTC, the profile). -#}
{% macro spark__local_to_utc(column) -%}
    to_utc_timestamp({{ column }}, {{ plant_tz() }})
{%- endmacro %}

{#- The plant-local wall time (timestamp without zone) of a UTC instant. -#}
{% macro to_plant_time(column) -%}
    {{ return(adapter.dispatch('to_plant_time', 'perfchain')(column)) }}
{%- endmacro %}
{% macro default__to_plant_time(column) -%}
    timezone({{ plant_tz() }}, {{ column }})
{%- endmacro %}
{% macro spark__to_plant_time(column) -%}
    from_utc_timestamp({{ column }}, {{ plant_tz() }})
{%- endmacro %}

{#- The plant-local business date of a UTC instant. -#}
{% macro to_plant_date(column) -%}
    cast({{ to_plant_time(column) }} as date)
{%- endmacro %}

{#- The UTC instant of plant-local midnight starting a date. -#}
{% macro plant_date_start(date_column) -%}
    {{ local_to_utc('cast(' ~ date_column ~ ' as timestamp)') }}
{%- endmacro %}

{#- The start (UTC instant) of the plant-local hour containing a UTC instant. -#}
{% macro plant_hour_start(column) -%}
    {{ local_to_utc("date_trunc('hour', " ~ to_plant_time(column) ~ ")") }}
{%- endmacro %}

{#- Seconds from `start_column` to `end_column` (both instants), as a double. -#}
{% macro seconds_between(start_column, end_column) -%}
    {{ return(adapter.dispatch('seconds_between', 'perfchain')(start_column, end_column)) }}
{%- endmacro %}
{% macro default__seconds_between(start_column, end_column) -%}
    (epoch({{ end_column }}) - epoch({{ start_column }}))
{%- endmacro %}
{#- DuckDB's epoch() is microseconds / 1e6 as a double: the same arithmetic. -#}
{% macro spark__seconds_between(start_column, end_column) -%}
    (
        cast(unix_micros({{ end_column }}) as double) / 1e6
        - cast(unix_micros({{ start_column }}) as double) / 1e6
    )
{%- endmacro %}

{% macro minutes_between(start_column, end_column) -%}
    ({{ seconds_between(start_column, end_column) }} / 60.0)
{%- endmacro %}

{% macro hours_between(start_column, end_column) -%}
    ({{ seconds_between(start_column, end_column) }} / 3600.0)
{%- endmacro %}

{#- A timestamp plus a number of minutes (expression may be a column). -#}
{% macro add_minutes(column, minutes) -%}
    {{ return(adapter.dispatch('add_minutes', 'perfchain')(column, minutes)) }}
{%- endmacro %}
{% macro default__add_minutes(column, minutes) -%}
    ({{ column }} + to_minutes(cast({{ minutes }} as bigint)))
{%- endmacro %}
{% macro spark__add_minutes(column, minutes) -%}
    timestampadd(minute, cast({{ minutes }} as bigint), {{ column }})
{%- endmacro %}

{% macro add_hours(column, hours) -%}
    {{ return(adapter.dispatch('add_hours', 'perfchain')(column, hours)) }}
{%- endmacro %}
{% macro default__add_hours(column, hours) -%}
    ({{ column }} + to_hours(cast({{ hours }} as bigint)))
{%- endmacro %}
{% macro spark__add_hours(column, hours) -%}
    timestampadd(hour, cast({{ hours }} as bigint), {{ column }})
{%- endmacro %}

{#- A date or timestamp plus a number of days, as a timestamp. -#}
{% macro add_days(column, days) -%}
    {{ return(adapter.dispatch('add_days', 'perfchain')(column, days)) }}
{%- endmacro %}
{% macro default__add_days(column, days) -%}
    ({{ column }} + to_days(cast({{ days }} as integer)))
{%- endmacro %}
{% macro spark__add_days(column, days) -%}
    timestampadd(day, cast({{ days }} as integer), cast({{ column }} as timestamp))
{%- endmacro %}

{#- Minutes after midnight of an 'HH:MM' text. -#}
{% macro hhmm_to_minutes(column) -%}
    (
        cast(split_part({{ column }}, ':', 1) as integer) * 60
        + cast(split_part({{ column }}, ':', 2) as integer)
    )
{%- endmacro %}

{#-
    Select-list expression: one row per plant-local hour (as its UTC start instant) that
    overlaps [start, end). Used to split intervals by hour.
-#}
{% macro hour_starts_between(start_column, end_column) -%}
    {{ return(adapter.dispatch('hour_starts_between', 'perfchain')(start_column, end_column)) }}
{%- endmacro %}
{% macro default__hour_starts_between(start_column, end_column) -%}
    unnest(generate_series(
        {{ plant_hour_start(start_column) }},
        {{ end_column }} - to_microseconds(1),
        to_hours(1)
    ))
{%- endmacro %}
{% macro spark__hour_starts_between(start_column, end_column) -%}
    explode(sequence(
        {{ plant_hour_start(start_column) }},
        {{ end_column }} - interval 1 microsecond,
        interval 1 hour
    ))
{%- endmacro %}

{% macro month_start(date_column) -%}
    cast(date_trunc('month', {{ date_column }}) as date)
{%- endmacro %}

{% macro iso_week_start(date_column) -%}
    cast(date_trunc('week', {{ date_column }}) as date)
{%- endmacro %}

{#- A sortable text form of an instant (UTC), for building keys. -#}
{% macro timestamp_key(column) -%}
    {{ return(adapter.dispatch('timestamp_key', 'perfchain')(column)) }}
{%- endmacro %}
{% macro default__timestamp_key(column) -%}
    strftime(timezone('UTC', {{ column }}), '%Y%m%dT%H%M%S.%f')
{%- endmacro %}
{#- Spark formats an instant in the session time zone: UTC (the profile). -#}
{% macro spark__timestamp_key(column) -%}
    date_format({{ column }}, "yyyyMMdd'T'HHmmss.SSSSSS")
{%- endmacro %}

{#- Select-list expression: one row per date in [start_date, end_date]. -#}
{% macro dates_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('dates_between', 'perfchain')(start_date, end_date)) }}
{%- endmacro %}
{% macro default__dates_between(start_date, end_date) -%}
    cast(unnest(generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        to_days(1)
    )) as date)
{%- endmacro %}
{#- Spark: a generator cannot sit inside a cast; a sequence of dates is dates already. -#}
{% macro spark__dates_between(start_date, end_date) -%}
    explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day))
{%- endmacro %}

{#- ISO day of week: Monday = 1 ... Sunday = 7. -#}
{% macro iso_day_of_week(date_column) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'perfchain')(date_column)) }}
{%- endmacro %}
{% macro default__iso_day_of_week(date_column) -%}
    isodow({{ date_column }})
{%- endmacro %}
{% macro spark__iso_day_of_week(date_column) -%}
    (weekday({{ date_column }}) + 1)
{%- endmacro %}

{% macro iso_week_number(date_column) -%}
    weekofyear({{ date_column }})
{%- endmacro %}

{#- A naive UTC timestamp (the alerts tables Python writes) as an instant. -#}
{% macro utc_to_instant(column) -%}
    {{ return(adapter.dispatch('utc_to_instant', 'perfchain')(column)) }}
{%- endmacro %}
{% macro default__utc_to_instant(column) -%}
    timezone('UTC', cast({{ column }} as timestamp))
{%- endmacro %}
{#- Spark: the naive timestamp read in the session time zone (UTC) is the instant. -#}
{% macro spark__utc_to_instant(column) -%}
    cast({{ column }} as timestamp)
{%- endmacro %}

{#- The start (UTC instant) of the plant-local day containing a UTC instant. -#}
{% macro plant_day_start(column) -%}
    {{ local_to_utc("date_trunc('day', " ~ to_plant_time(column) ~ ")") }}
{%- endmacro %}

{#- Whole days from `start_date` to `end_date` (dates), a number on both engines: Spark's
    date - date is an interval, and dbt.datediff's Spark body fails on a null date. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'perfchain')(start_date, end_date)) }}
{%- endmacro %}
{% macro default__days_between(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}
{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}
