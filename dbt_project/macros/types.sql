{#-
    Type names both engines accept (SPEC 2: the SQL stays portable). dbt's cross-database
    type macros cover text and numbers (`dbt.type_string()`, `dbt.type_bigint()`, ...);
    these add what dbt lacks. A bare `varchar` or `timestamptz` is DuckDB's spelling only:
    Spark refuses `varchar` without a length and has no `timestamptz`.
-#}

{#- An instant (UTC): DuckDB's timestamp with time zone; Spark's timestamp is one already
    (TIMESTAMP_LTZ, read in the session time zone, UTC in the profile). -#}
{% macro type_instant() -%}
    {{ return(adapter.dispatch('type_instant', 'perfchain')()) }}
{%- endmacro %}
{% macro default__type_instant() -%}
    timestamptz
{%- endmacro %}
{% macro spark__type_instant() -%}
    timestamp
{%- endmacro %}

{#- An instant literal from its UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]'. -#}
{% macro instant_literal(utc_text) -%}
    {{ return(adapter.dispatch('instant_literal', 'perfchain')(utc_text)) }}
{%- endmacro %}
{% macro default__instant_literal(utc_text) -%}
    cast('{{ utc_text }}+00' as timestamptz)
{%- endmacro %}
{% macro spark__instant_literal(utc_text) -%}
    to_utc_timestamp(cast('{{ utc_text }}' as timestamp), 'UTC')
{%- endmacro %}
