{#-
    The first and last day of a goal period, text 'YYYY-MM' (month) or 'YYYY-Qn' (quarter)
    (SPEC 9.1). Portable: substr, lpad, concat and dbt's dateadd only.
-#}
{% macro goal_period_start(column) -%}
    cast(
        case
            when {{ column }} like '%-Q%'
                then concat(
                        substr({{ column }}, 1, 4), '-',
                        lpad(
                            cast(cast(substr({{ column }}, 7, 1) as {{ dbt.type_int() }}) * 3 - 2
                                as {{ dbt.type_string() }}),
                            2, '0'
                        ),
                        '-01'
                    )
            else concat({{ column }}, '-01')
        end as date
    )
{%- endmacro %}

{% macro goal_period_end(column) -%}
    cast(
        {{ dbt.dateadd(
            'day', -1,
            dbt.dateadd(
                'month',
                "case when " ~ column ~ " like '%-Q%' then 3 else 1 end",
                goal_period_start(column)
            )
        ) }} as date
    )
{%- endmacro %}

{#- Attainment (SPEC 9.1): actual / target, target / actual when lower is better, capped at
    1.2; null without an actual. A lower-is-better actual of 0 is the cap. -#}
{% macro goal_attainment(actual, target, direction, cap=1.2) -%}
    case
        when {{ actual }} is null or {{ target }} is null or {{ target }} <= 0 then null
        when {{ direction }} = 'lower_is_better' and {{ actual }} <= 0 then {{ cap }}
        {#- As doubles: DuckDB divides decimals as doubles, Spark keeps a decimal of scale 6. #}
        when {{ direction }} = 'lower_is_better'
            then least(cast({{ target }} as double) / cast({{ actual }} as double), {{ cap }})
        else least(cast({{ actual }} as double) / cast({{ target }} as double), {{ cap }})
    end
{%- endmacro %}
