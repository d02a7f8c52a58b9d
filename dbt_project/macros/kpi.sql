{#-
    Traffic-light status of a KPI value (docs/sources/excel.md): at or better than the
    target is green, beyond the red threshold in the bad direction is red, in between
    yellow; no value or no target gives no status. kpi_daily and kpi_period share it so a
    day and a period are judged by one rule.
-#}
{% macro kpi_status(value, target, red_threshold, direction) -%}
    case
        when {{ value }} is null or {{ target }} is null then null
        when {{ direction }} = 'lower_is_better' then
            case
                when {{ value }} <= {{ target }} then 'green'
                when {{ value }} > {{ red_threshold }} then 'red'
                else 'yellow'
            end
        else
            case
                when {{ value }} >= {{ target }} then 'green'
                when {{ value }} < {{ red_threshold }} then 'red'
                else 'yellow'
            end
    end
{%- endmacro %}
