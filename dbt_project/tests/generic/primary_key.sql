{#- The column is the model's key: never null and never repeated. One query does what dbt's
    `unique` and `not_null` would do in two, and every dbt test is a node with its own
    overhead (≈ 50 ms of dbt's per node, plus its Dagster asset check) in the nightly build.
    A failing row is a null key or a repeated key value with how often it occurs. -#}
{% test primary_key(model, column_name) %}

select
    {{ column_name }} as key_value,
    count(*) as row_count
from {{ model }}
group by {{ column_name }}
having {{ column_name }} is null or count(*) > 1

{% endtest %}
