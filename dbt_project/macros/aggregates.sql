{#- Continuous percentile (linear interpolation), e.g. median = percentile_cont(x, 0.5). -#}
{% macro percentile_cont(column, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'perfchain')(column, fraction)) }}
{%- endmacro %}
{% macro default__percentile_cont(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}

{% macro median(column) -%}
    {{ percentile_cont(column, 0.5) }}
{%- endmacro %}

{#- Population coefficient of variation (stddev / mean). -#}
{% macro coefficient_of_variation(column) -%}
    (stddev_pop({{ column }}) / nullif(avg({{ column }}), 0))
{%- endmacro %}

{#- numerator / denominator, null when the denominator is 0 or null. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}

{#- Text key from several columns: 'SO001-2'. -#}
{% macro concat_key(columns, separator='-') -%}
    concat_ws('{{ separator }}', {% for column in columns -%}
        cast({{ column }} as varchar){% if not loop.last %}, {% endif %}
    {%- endfor %})
{%- endmacro %}

{#- Value of a key inside a JSON column, as text. -#}
{% macro json_text(column, key) -%}
    ({{ column }} ->> '{{ key }}')
{%- endmacro %}

{#- Text to date, null when the text is not a date (change-log values are free text). -#}
{% macro try_cast_date(column) -%}
    {{ return(adapter.dispatch('try_cast_date', 'perfchain')(column)) }}
{%- endmacro %}
{% macro default__try_cast_date(column) -%}
    try_cast({{ column }} as date)
{%- endmacro %}

{#- A reported rate: numerator / denominator rounded to `precision` decimals (null on 0). -#}
{% macro rate(numerator, denominator, precision=6) -%}
    round({{ safe_divide(numerator, denominator) }}, {{ precision }})
{%- endmacro %}

{#-
    The rows of `relation` once per KPI scope they roll up to: each (scope_type, column) of
    `scopes`, then the plant. Rows whose column is null skip that scope when the column is
    listed in `optional` (a team without a department is still counted in the plant).
-#}
{% macro scope_rollup(relation, scopes, optional=[]) -%}
    {%- for scope_type, column in scopes %}
    select '{{ scope_type }}' as scope_type, {{ column }} as scope_id, {{ relation }}.*
    from {{ relation }}
    {%- if column in optional %}
    where {{ column }} is not null
    {%- endif %}
    union all
    {%- endfor %}
    select 'plant' as scope_type, '{{ var("plant_id") }}' as scope_id, {{ relation }}.*
    from {{ relation }}
{%- endmacro %}
