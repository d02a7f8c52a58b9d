{#-
    Incremental models that stay equal to a full refresh (docs/operations.md, "Incremental
    models"). What a build recomputes comes from what the new batches brought, not from
    the table's newest hour:

    - the incremental staging models stamp every row they take in with `_staged_at` (the
      dbt invocation's start) and keep, in `_replaced_<column>`, the business time of the
      version the row replaced (macros/staging.sql, `latest_new_version`);
    - an hourly model stores in each row the newest `_staged_at` it had consumed
      (`_staged_through_at`); its next build recomputes every plant hour touched by a row
      staged since, at its new and at its replaced time (`brought_since`), and replaces
      those hours whole (`replace_window` below), so a group that vanished from an hour
      (a count moved to another team) is removed.

    To apply this to another model: stamp `_staged_through_at` as
    `(select max(_staged_at) from <input>)`, build the CTE of hours to recompute from
    `brought_since(<input>)`, read the inputs of those hours only, and end the final
    select with `recomputed_hours_marked(...)`.

    On Spark the same window would be written with `insert_overwrite` on a table
    partitioned by plant date: the window's dates are recomputed whole and their
    partitions replaced, which also drops groups that vanished.
-#}

{#- The start of this dbt invocation: stamps the rows a build takes in. -#}
{% macro staged_at() -%}
    {{ instant_literal(run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f")) }}
{%- endmacro %}

{#- The newest value of `column` the model had consumed (scalar subquery on this). -#}
{% macro consumed_through(column) -%}
    {{- require_column(column) -}}
    (
        select coalesce(
            max(consumed.{{ column }}), {{ instant_literal('1900-01-01 00:00:00') }}
        )
        from {{ this }} as consumed
    )
{%- endmacro %}

{#-
    The rows of `relation` (an incremental staging model) staged since this model last
    consumed it: the records the new batches brought, late, moved or re-sent alike.
-#}
{% macro brought_since(relation, consumed_column='_staged_through_at') -%}
    select *
    from {{ relation }} as brought
    where brought._staged_at > {{ consumed_through(consumed_column) }}
{%- endmacro %}

{#-
    The tail of an hourly model's final select in an incremental build: one row per hour
    of `hours_cte` with a null `key_column`, which tells `replace_window` that the hour is
    recomputed even when no group is left in it. `columns` lists the model's other
    columns (null in these rows); the rows themselves are never inserted.
-#}
{% macro recomputed_hours_marked(hours_cte, key_column, columns, window_column='hour_at') -%}
    {%- if is_incremental() %}
    union all
    select
        cast(null as {{ dbt.type_string() }}) as {{ key_column }},
        {%- for column in columns %}
        {% if column == window_column -%}
        {{ hours_cte }}.{{ window_column }}
        {%- else -%}
        null
        {%- endif %} as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ hours_cte }}
    {%- endif %}
{%- endmacro %}

{#-
    Custom incremental strategy: delete every target row in the recomputed window (the
    distinct `window_column` values of the new rows, marker rows included), then insert
    the recomputed rows. dbt's delete+insert would match on the group key and leave a
    group that no longer exists in place.
-#}
{% macro get_incremental_replace_window_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set recomputed = arg_dict['temp_relation'] -%}
    {%- set window_column = config.require('window_column') -%}
    {%- set key_column = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ window_column }} in (
        select distinct recomputed.{{ window_column }} from {{ recomputed }} as recomputed
    );
    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ recomputed }}
    where {{ key_column }} is not null
{% endmacro %}

{#-
    The Dagster launch that rebuilds `relation` from raw (dbt build --full-refresh of that
    model), named by a model that cannot catch up by itself. The models downstream need
    no launch of their own: every row of a rebuilt staging model is newly staged, so their
    next build recomputes every hour.
-#}
{% macro rebuild_launch(relation) -%}
    {%- set key = relation.schema ~ '/' ~ relation.identifier -%}
    in the Dagster UI materialize the asset {{ key }} with the run config
    {ops: {warehouse_models: {config: {full_refresh: true}}}}, or run
    DAGSTER_HOME=$PERFCHAIN_HOME/dagster dagster asset materialize -m orchestration.definitions
    --select {{ key }}
    --config-json '{"ops": {"warehouse_models": {"config": {"full_refresh": true}}}}'
{%- endmacro %}

{#- Fails with the launch to run when `this` predates the column `column`. -#}
{% macro require_column(column) -%}
    {#- In a unit test `this` is the name of a fixture, not a relation. -#}
    {%- if execute and is_incremental() and this is not string -%}
        {%- set held = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- if column not in held -%}
            {{ exceptions.raise_compiler_error(
                this ~ " has no column " ~ column ~ ": it was built before it recorded what"
                ~ " it had consumed and cannot catch up by itself. Rebuild it from raw: "
                ~ rebuild_launch(this)
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#-
    The materialization of the incremental models: `incremental` on DuckDB (the strategies
    above); on Spark a table rebuilt whole. Parquet tables on Spark take `append` and
    `insert_overwrite` only, and these models read `{{ this }}` to find what they had
    consumed, which Spark refuses in the statement that overwrites it. A full rebuild
    gives the same rows (the incremental builds stay equal to a full refresh, above), and
    is cheap where Spark is the engine: the cluster rebuilds in parallel. A warehouse
    whose history outgrows that writes these models with `insert_overwrite` on tables
    partitioned by plant date (docs/scale-out.md).
-#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'perfchain')()) }}
{%- endmacro %}
{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}
{% macro spark__incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
