{#- The column is the model's key: never null and never repeated. One query does what dbt's
    `unique` and `not_null` would do in two, and every dbt test is a node with its own
    overhead (≈ 50 ms of dbt's per node, plus its Dagster asset check) in the nightly build.
    A failing row is a null key or a repeated key value with how often it occurs. (The
    incremental staging models' keys, looked for over recent rows only, are `key` with
    `changed_at` in their source's `group_rules`.)

    `lineage` (macros/lineage.sql): a failing row per row holding a null or repeated key,
    with where it came from (the workbook's file, sheet and row; the source record and
    batch), so the failure names each row to fix, not only the key. -#}
{% test primary_key(model, column_name, lineage=none) %}

{%- set failing_keys %}
select
    {{ column_name }} as key_value,
    count(*) as row_count
from {{ model }}
group by {{ column_name }}
having {{ column_name }} is null or count(*) > 1
{%- endset %}

{%- if lineage %}
with

failing_keys as (

    {{ failing_keys | indent(4) }}

)

select
    failing_keys.key_value,
    failing_keys.row_count,
    {{ lineage_columns(lineage, 'keyed') }}
from {{ model }} as keyed
inner join failing_keys
    on keyed.{{ column_name }} = failing_keys.key_value
    or (keyed.{{ column_name }} is null and failing_keys.key_value is null)
{%- else %}
{{ failing_keys }}
{%- endif %}

{% endtest %}
