{#-
    Alerts (SPEC 8, docs/alerts.md). The batch's as-of moment ("now" of every alert model:
    never the wall clock), read in one place: int_data_horizons_resolved.as_of_at, the
    end of the as-of plant day for a nightly build, the batch's moment for a signals
    micro-batch.
-#}
{% macro alert_as_of() -%}
    select horizons.as_of_at
    from {{ ref('int_data_horizons_resolved') }} as horizons
{%- endmacro %}

{#- `observed comparator threshold` for a comparator held in a column (<, <=, >, >=). -#}
{% macro alert_compare(observed, comparator, threshold) -%}
    case {{ comparator }}
        when '<' then {{ observed }} < {{ threshold }}
        when '<=' then {{ observed }} <= {{ threshold }}
        when '>' then {{ observed }} > {{ threshold }}
        when '>=' then {{ observed }} >= {{ threshold }}
    end
{%- endmacro %}

{#- An idempotency key: md5 of the parts as text joined by '|' (a null part is ''). -#}
{% macro alert_key(columns) -%}
    md5(concat_ws('|', {% for column in columns -%}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), ''){% if not loop.last %}, {% endif %}
    {%- endfor %}))
{%- endmacro %}

{#-
    Select statement: the items of a delimited list column, one row per item, trimmed,
    empty items left out, with their 1-based position: `relation` rows x positions 1..n
    (split_part exists on DuckDB and Spark). A list never holds more than `most` items:
    stg_excel__alert_rules' tests reject a longer one.
-#}
{% macro list_items(relation, column, separator, most=10) -%}
    select
        {{ relation }}.*,
        positions.item_position,
        trim(split_part({{ relation }}.{{ column }}, '{{ separator }}', positions.item_position))
            as item
    from {{ relation }}
    cross join (
        {% for position in range(1, most + 1) -%}
        select {{ position }} as item_position{% if not loop.last %} union all {% endif %}
        {%- endfor %}
    ) as positions
    where trim(split_part({{ relation }}.{{ column }}, '{{ separator }}', positions.item_position))
        <> ''
{%- endmacro %}

{#- When a step planned for a plant date is due: the end of that date's production day,
    var alert_production_day_end_hour (8 = 08:00 plant time the next day). -#}
{% macro step_due_at(date_column) -%}
    {{ add_hours(
        plant_date_start(add_days(date_column, 1)), var('alert_production_day_end_hour', 8)
    ) }}
{%- endmacro %}
