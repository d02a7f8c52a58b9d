{#- Continuous percentile (linear interpolation), e.g. median = percentile_cont(x, 0.5). -#}
{% macro percentile_cont(column, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'perfchain')(column, fraction)) }}
{%- endmacro %}
{% macro default__percentile_cont(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}
{#- Spark's percentile is exact and interpolates linearly, as quantile_cont. -#}
{% macro spark__percentile_cont(column, fraction) -%}
    percentile({{ column }}, {{ fraction }})
{%- endmacro %}

{#-
    The values of `column` as one text, joined by `separator` (SQL: "', '") in the order of `order_by`
    (a column or a list of columns; default the values themselves), `distinct` ones only
    if asked; null when there is no value. DuckDB: string_agg(... order by ...); Spark:
    array_join over a sorted collect_list (collect_set when distinct) of structs
    (the order_by columns, then the value). dbt.listagg's Spark body drops the order.
-#}
{% macro string_agg(column, separator, order_by=none, distinct=false) -%}
    {%- set order_columns = [column] if order_by is none
        else ([order_by] if order_by is string else order_by) -%}
    {{ return(adapter.dispatch('string_agg', 'perfchain')(column, separator, order_columns, distinct)) }}
{%- endmacro %}
{% macro default__string_agg(column, separator, order_columns, distinct) -%}
    string_agg(
        {{ 'distinct ' if distinct }}{{ column }}, {{ separator }}
        order by {{ order_columns | join(', ') }}
    )
{%- endmacro %}
{% macro spark__string_agg(column, separator, order_columns, distinct) -%}
    {%- set collect = 'collect_set' if distinct else 'collect_list' -%}
    case when count({{ column }}) > 0 then
    {%- if order_columns == [column] %}
        array_join(array_sort({{ collect }}({{ column }})), {{ separator }})
    {%- else %}
        array_join(
            transform(
                array_sort({{ collect }}(named_struct(
                    {%- for order_column in order_columns %}
                    'sort_key_{{ loop.index }}', {{ order_column }},
                    {%- endfor %}
                    'item', {{ column }}
                ))),
                ordered -> ordered.item
            ),
            {{ separator }}
        )
    {%- endif %}
    end
{%- endmacro %}

{#- `value` at or under the percentile `bound`, compared at a millionth (of an hour): an
    interpolated percentile of equal values may come out one ulp under them (DuckDB's
    quantile_cont of 2.7578 and 2.7578 is 2.7577999999999996), which would leave every one
    of them above its own percentile, and Spark's percentile does not. -#}
{% macro at_or_under_percentile(value, bound) -%}
    {{ round_double(value, 6) }} <= {{ round_double(bound, 6) }}
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
        cast({{ column }} as {{ dbt.type_string() }}){% if not loop.last %}, {% endif %}
    {%- endfor %})
{%- endmacro %}

{#- Value of a key inside a JSON column, as text. -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text', 'perfchain')(column, key)) }}
{%- endmacro %}
{% macro default__json_text(column, key) -%}
    ({{ column }} ->> '{{ key }}')
{%- endmacro %}
{% macro spark__json_text(column, key) -%}
    get_json_object({{ column }}, '$.{{ key }}')
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

{#- A double rounded to `places` decimals as DuckDB rounds it: round(x * 10^places) /
    10^places on the binary value, so 4.4937 * 0.5 (2.2468499...) gives 2.2468. Spark's
    round(double) reads the double's shortest decimal text (2.24685) and rounds that
    half up; the same formula on Spark rounds the same binary value. -#}
{% macro round_double(expression, places) -%}
    {{ return(adapter.dispatch('round_double', 'perfchain')(expression, places)) }}
{%- endmacro %}
{% macro default__round_double(expression, places) -%}
    round({{ expression }}, {{ places }})
{%- endmacro %}
{% macro spark__round_double(expression, places) -%}
    (round(({{ expression }}) * 1e{{ places }}) / 1e{{ places }})
{%- endmacro %}
