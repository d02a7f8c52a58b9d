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
    The queries are `rule_queries` (macros/rules.sql), shared with `group_rules`.

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
{%- set selects = rule_queries(model, {
    'key': key,
    'not_null': not_null,
    'accepted_values': accepted_values,
    'accepted_range': accepted_range,
    'unique': unique,
    'relationships': relationships,
    'rules': rules,
}, shown) %}

{{ selects | join('\nunion all\n') }}

{% endtest %}
