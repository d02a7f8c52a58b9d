{#- Rules a plant's source data must keep before any mart is built on it: quantities that
    cannot be negative, amounts that must equal quantity x price. `rules` maps a rule's
    name to a boolean expression every row must satisfy (null = broken); `record` lists the
    columns that name the source record and show its values. A failing row is one broken
    rule of one record: the rule's name and the record's columns, so the failure names
    what to fix at the source, not only the test (orchestration/defs/warehouse/failures.py
    puts the first rows into the run's error message). One test per model whatever the
    number of rules: every dbt test is a node with its own overhead in the nightly build.
    `lineage` (macros/lineage.sql) adds where the record came from: its source, entity,
    key and the raw batch that landed it. -#}
{% test business_rules(model, record, rules, lineage=none) %}

{#- The same rows as column_rules' named rules: one piece of SQL serves both. #}
{{ test_column_rules(model=model, rules=rules, record=record, lineage=lineage) }}

{% endtest %}
