{#- The rules of several models in one data test: the staging models of one source system,
    each with its own rules (the arguments of
    `column_rules`, plus a key over recent rows and relationships that know about
    quarantine). Every dbt test is a node with its own cost in the nightly build (≈ 30 ms of
    dbt's and Dagster's work per node at scale m, against a few ms of SQL for most of
    these), and a model's rules rarely need a node of their own: a failure stops the build
    the same way. One node per source system and severity instead of one per model took
    the nightly build from 157 test nodes to 107 (dbt's own elapsed time at scale m
    ≈ 15.5 s -> ≈ 13.4 s; docs/operations.md).

    The test is declared on one member (its anchor in Dagster: the asset check is on that
    model) and reads every member through `ref`, so it runs once all of them are built and
    holds back only the models downstream of all of them; a failure still fails the build.

    A failing row is one broken rule of one record: `model_name`, `broken_rule` (as in
    column_rules: 'not_null:stage', 'unique:order_id', 'relationships:team_id', or the name
    of a row rule), `failing_record` (the record's columns as 'column=value, ...') and where
    it came from (`lineage_columns`, macros/lineage.sql; null where a member has none).
    orchestration/defs/warehouse/failures.py puts the first rows into the run's error.
    The queries are `rule_queries` (macros/rules.sql), shared with `column_rules`.

    `models`: model name -> rules, each optional:
    - key: never null and never repeated; with `changed_at`, repeats are looked for among
      the keys of the rows changed in the last `lookback_hours` before the newest
      `changed_at` (an incremental model: a night touches only recent rows);
    - not_null, accepted_values, accepted_range, unique, rules: as in column_rules;
    - relationships: column -> {to, field, held}: a non-null value is a `field` of `to`,
      or, with `held` ('<source>.<entity>'), a key held open in quarantine for that raw
      entity (relationships_or_held);
    - record: the columns that name a failing record (default: the key, else the first
      unique combination);
    - lineage: as in column_rules. -#}
{% test group_rules(model, models) %}

{%- set selects = [] %}
{%- for name, rules in models.items() %}
    {%- do selects.extend(member_rule_queries(ref(name), name, rules)) %}
{%- endfor %}

{{ selects | join('\nunion all\n') }}

{% endtest %}
