{#-
    A raw table by name if it has been landed, else an empty relation with the same
    columns: optional_source for a table whose dbt source another part of the project
    declares (the goal tree's excel__goal_tree, SPEC 9.1). `columns` maps column name ->
    SQL type; the landing's _extracted_at comes along.
-#}
{% macro optional_raw_table(identifier, columns) -%}
    {%- set found = none -%}
    {%- if execute -%}
        {%- set found = adapter.get_relation(
            database=target.database, schema='raw', identifier=identifier
        ) -%}
    {%- endif -%}
    select
        {% for name, type in columns.items() -%}
        cast({{ name if found is not none else 'null' }} as {{ type }}) as {{ name }},
        {% endfor -%}
        {%- if found is not none -%}
        _extracted_at
    from {{ found }}
        {%- else -%}
        cast(null as timestamptz) as _extracted_at
    where 1 = 0
        {%- endif -%}
{%- endmacro %}
