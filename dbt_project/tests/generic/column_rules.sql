{#- Every rule one model's rows must keep, in one data test: its key, the columns that are
    never null, the accepted values and ranges, the unique column combinations, the
    references to a parent model and the named row rules (a plant's business rules, an
    expression with an optional `where`). Every dbt test is a node with its own overhead
    (≈ 50–80 ms of dbt's per node, plus its Dagster asset check) in the nightly build, and
    most of these queries take milliseconds: one node per model instead of one per rule.

    A failing row is one broken rule of one record: `broken_rule` names the rule and the
    column ('not_null:stage', 'accepted_values:stage', 'accepted_range:recorded_qty',
    'unique:order_id', 'unique:kpi_date,scope_type', 'relationships:team_id', or the name
    of a row rule), then the `record` columns that name the record (the key when not
    given, else the first unique combination, else every column), then where it came
    from when `lineage` (macros/lineage.sql) is given.
    orchestration/defs/warehouse/failures.py puts the first rows into the run's error.

    Arguments (each optional):
    - key: the model's key, never null and never repeated (`not_null:` and `unique:`);
    - not_null: columns;
    - accepted_values: column -> list of values (a null passes, as in dbt's test);
    - accepted_range: column -> {min_value, max_value} (either optional; a null passes);
    - unique: column combinations (lists) no two rows share;
    - relationships: column -> {to, field}: a non-null value is a `field` of `to`;
    - rules: name -> boolean expression, or {expression, where}: every row (where
      `where` holds) satisfies it (null = broken). -#}
{% test column_rules(
    model,
    key=none,
    not_null=[],
    accepted_values={},
    accepted_range={},
    unique=[],
    relationships={},
    rules={},
    record=none,
    lineage=none
) %}

{#- The record: as given, else the key, else the first unique combination, else the row. #}
{%- set record_columns = record or ([key] if key else (unique[0] if unique else [])) %}
{%- set row_checks = [] %}
{%- if key %}
    {%- do row_checks.append(('not_null:' ~ key, 'checked.' ~ key ~ ' is not null')) %}
{%- endif %}
{%- for column in not_null %}
    {%- do row_checks.append(('not_null:' ~ column, 'checked.' ~ column ~ ' is not null')) %}
{%- endfor %}
{%- for column, values in accepted_values.items() %}
    {%- set listed = [] %}
    {%- for value in values %}
        {%- do listed.append(value if value is number else "'" ~ value | replace("'", "''") ~ "'") %}
    {%- endfor %}
    {%- do row_checks.append((
        'accepted_values:' ~ column,
        'checked.' ~ column ~ ' is null or checked.' ~ column ~ ' in (' ~ listed | join(', ') ~ ')'
    )) %}
{%- endfor %}
{%- for column, bounds in accepted_range.items() %}
    {%- set limits = ['checked.' ~ column ~ ' is null'] %}
    {%- set within = [] %}
    {%- if bounds.get('min_value') is not none %}
        {%- do within.append('checked.' ~ column ~ ' >= ' ~ bounds.min_value) %}
    {%- endif %}
    {%- if bounds.get('max_value') is not none %}
        {%- do within.append('checked.' ~ column ~ ' <= ' ~ bounds.max_value) %}
    {%- endif %}
    {%- do limits.append('(' ~ within | join(' and ') ~ ')') %}
    {%- do row_checks.append(('accepted_range:' ~ column, limits | join(' or '))) %}
{%- endfor %}
{%- for rule_name, rule in rules.items() %}
    {%- if rule is mapping and rule.where %}
        {%- do row_checks.append((
            rule_name,
            'case when ' ~ rule.where ~ ' then ' ~ rule.expression ~ ' else true end'
        )) %}
    {%- else %}
        {%- do row_checks.append((rule_name, rule.expression if rule is mapping else rule)) %}
    {%- endif %}
{%- endfor %}
{%- set combinations = ([[key]] if key else []) + unique %}

{%- set selects = [] %}
{%- set shown %}
    {%- for column in record_columns %},
    checked.{{ column }}
    {%- else %},
    checked.*
    {%- endfor %}
    {%- if lineage %},
    {{ lineage_columns(lineage, 'checked') }}
    {%- endif %}
{%- endset %}

{%- for rule_name, expression in row_checks %}
    {%- set query %}
select
    '{{ rule_name }}' as broken_rule{{ shown }}
from {{ model }} as checked
where not coalesce(({{ expression }}), false)
    {%- endset %}
    {%- do selects.append(query) %}
{%- endfor %}

{%- for columns in combinations %}
    {%- set query %}
select
    'unique:{{ columns | join(",") }}' as broken_rule{{ shown }}
from {{ model }} as checked
inner join (
    select {{ columns | join(', ') }}
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
) as repeated
    on
    {%- for column in columns %}
    {{ 'and ' if not loop.first }}checked.{{ column }} is not distinct from repeated.{{ column }}
    {%- endfor %}
    {%- endset %}
    {%- do selects.append(query) %}
{%- endfor %}

{%- for column, parent in relationships.items() %}
    {%- set query %}
select
    'relationships:{{ column }}' as broken_rule{{ shown }}
from {{ model }} as checked
where checked.{{ column }} is not null
    and not exists (
        select 1
        from {{ parent.to }} as parents
        where parents.{{ parent.field }} = checked.{{ column }}
    )
    {%- endset %}
    {%- do selects.append(query) %}
{%- endfor %}

{{ selects | join('\nunion all\n') }}

{% endtest %}
