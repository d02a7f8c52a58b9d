{#-
    Seeds on Spark: dbt-spark's own load_csv_rows binds each value into its INSERT as
    '<text>' without escaping it, so a seed text with an apostrophe ("the last two days'
    defects", seeds/suggestions.csv) breaks the statement in session mode. This one writes
    each value as an escaped literal instead. Root-project macros of the `dbt` namespace
    take precedence over the adapter's; DuckDB keeps dbt-duckdb's loader.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for value in row -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set type = column_override.get(agate_table.column_names[loop.index0], inferred_type) -%}
                    cast({{ spark_seed_literal(value) }} as {{ type }}){{ ',' if not loop.last }}
                {%- endfor -%}
                ){{ ',' if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{#- One CSV value as a Spark SQL literal (text escaped: backslash, then apostrophe). -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- elif value is string -%}
        '{{ value | replace('\\', '\\\\') | replace("'", "\\'") }}'
    {%- else -%}
        '{{ value }}'
    {%- endif -%}
{%- endmacro %}
