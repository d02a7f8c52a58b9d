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

{#-
    The CTEs `target_candidates` and `with_targets` of a KPI mart: each row of `rows` (a
    CTE with `kpi_code`, `scope_type` and `scope_id`) gets the target and thresholds in
    force on its `on_date` (the most specific of scope id, scope type, any; then the
    workbook before the seed; then the latest valid_from), and the KPI's names and unit.
    `grain` lists the columns that identify a row. kpi_daily and kpi_period share it so a
    day and a period find their target by one rule.
-#}
{% macro kpi_targets_in_force(rows, on_date, grain) -%}
targets as (

    select
        kpi_code,
        scope_type,
        scope_id,
        target,
        yellow_threshold,
        red_threshold,
        direction,
        valid_from,
        target_source,
        source_priority
    from {{ ref('int_kpi_targets_resolved') }}

),

definitions as (

    select
        kpi_code,
        kpi_name,
        kpi_name_en,
        unit,
        direction
    from {{ ref('kpi_definitions') }}

),

target_candidates as (

    select
        {%- for column in grain %}
        {{ rows }}.{{ column }},
        {%- endfor %}
        targets.target,
        targets.yellow_threshold,
        targets.red_threshold,
        targets.direction,
        targets.target_source,
        row_number() over (
            partition by
                {%- for column in grain %}
                {{ rows }}.{{ column }}{% if not loop.last %},{% endif %}
                {%- endfor %}
            order by
                case when targets.scope_id = {{ rows }}.scope_id then 0 else 1 end,
                case when targets.scope_type = {{ rows }}.scope_type then 0 else 1 end,
                targets.source_priority,
                targets.valid_from desc nulls last
        ) as specificity_rank
    from {{ rows }}
    inner join targets
        on {{ rows }}.kpi_code = targets.kpi_code
        and (targets.scope_type = {{ rows }}.scope_type or targets.scope_type = '*')
        and (targets.scope_id = {{ rows }}.scope_id or targets.scope_id = '*')
        and (targets.valid_from is null or targets.valid_from <= {{ rows }}.{{ on_date }})

),

with_targets as (

    select
        {{ rows }}.*,
        target_candidates.target,
        target_candidates.yellow_threshold,
        target_candidates.red_threshold,
        coalesce(target_candidates.direction, definitions.direction) as direction,
        target_candidates.target_source,
        definitions.kpi_name,
        definitions.kpi_name_en,
        definitions.unit
    from {{ rows }}
    left join target_candidates
        on
        {%- for column in grain %}
        {% if not loop.first %}and {% endif %}{{ rows }}.{{ column }} = target_candidates.{{ column }}
        {%- endfor %}
        and target_candidates.specificity_rank = 1
    left join definitions
        on {{ rows }}.kpi_code = definitions.kpi_code

)
{%- endmacro %}
