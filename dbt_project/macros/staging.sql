{#-
    The latest version of each record of a raw (append-only) table: one row per key,
    the version with the newest modstamp, then the newest extraction. Raw holds one row
    per version and again per re-extraction, so staging always goes through this.
    Written with a window in a subquery (not QUALIFY) so it stays portable.
-#}
{% macro latest_version(relation, key_columns, modstamp) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ modstamp }} desc, _extracted_at desc, _batch_id desc
            ) as _version_rank
        from {{ relation }}
    ) as versions
    where versions._version_rank = 1
{%- endmacro %}

{#-
    A relation from the Excel drop if the extractor has landed it, else an empty relation
    with the same columns, so the project compiles and runs either way. `columns` maps
    column name -> SQL type. The source() call registers the lineage even when absent.
    `landed=false` for a table perfchain writes itself (schema alerts), which has no
    landing columns (_batch_id, _extracted_at).
-#}
{% macro optional_source(source_name, table_name, columns, landed=true) -%}
    {%- set declared = source(source_name, table_name) -%}
    {%- set found = none -%}
    {%- if execute -%}
        {%- set found = relation_if_exists(declared) -%}
    {%- endif -%}
    {%- if found is not none -%}
        select
            {% for name, type in columns.items() -%}
            cast({{ name }} as {{ type }}) as {{ name }}{{ ',' if landed or not loop.last }}
            {% endfor -%}
            {%- if landed -%}
            _batch_id,
            _extracted_at
            {%- endif %}
        from {{ found }}
    {%- else -%}
        select
            {% for name, type in columns.items() -%}
            cast(null as {{ type }}) as {{ name }}{{ ',' if landed or not loop.last }}
            {% endfor -%}
            {%- if landed -%}
            cast(null as {{ dbt.type_string() }}) as _batch_id,
            cast(null as {{ type_instant() }}) as _extracted_at
            {%- endif %}
        where 1 = 0
    {%- endif -%}
{%- endmacro %}

{#-
    `relation` when the warehouse holds it, else none. DuckDB: asked of the catalog, not of
    dbt's relation cache: two threads compiling views over the same source schema at once
    could ask the cache while the other was still filling it for that schema, and a table
    that was there read as absent (a first night's `stg_excel__badge_rules` compiled empty
    beside its landed table). Spark: dbt's lookup.
-#}
{% macro relation_if_exists(relation) -%}
    {{ return(adapter.dispatch('relation_if_exists', 'perfchain')(relation)) }}
{%- endmacro %}
{% macro default__relation_if_exists(relation) -%}
    {%- set found = run_query(
        "select count(*) from information_schema.tables where table_schema = '"
        ~ relation.schema ~ "' and table_name = '" ~ relation.identifier ~ "'"
    ) -%}
    {{ return(relation if found.columns[0].values()[0] > 0 else none) }}
{%- endmacro %}
{% macro spark__relation_if_exists(relation) -%}
    {{ return(adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    )) }}
{%- endmacro %}

{#-
    Incremental staging for the high-volume append-only raw tables. A nightly build takes
    in only the raw rows of batches the model has not seen (`unseen_batches`: replays and
    backfills of older dates count as unseen too), and `latest_new_version` lets them
    compete with the versions the model already holds for the same keys, so the newest
    modstamp wins as in a full rebuild. Such a model keeps `_batch_id` and `_extracted_at`
    and lists its final columns in the order of `cte`, then `_staged_at` and one
    `_replaced_<column>` per column of `replaced`.

    For the models downstream (macros/incremental.sql): `_staged_at` is when a build took
    the row in (the held version keeps its stamp when it wins), and `_replaced_<column>`
    the value of `<column>` in the version the row replaced (null for a new key, and in a
    full rebuild, where nothing is replaced), so a record that moved in time is
    recomputed where it was and where it is.
-#}
{% macro unseen_batches() -%}
    {%- if is_incremental() -%}
    where _batch_id not in (select distinct seen._batch_id from {{ this }} as seen)
    {%- endif -%}
{%- endmacro %}

{% macro latest_new_version(cte, key_column, modstamp, replaced=[]) -%}
    {%- if is_incremental() -%}
        {%- set added = ['_staged_at'] -%}
        {%- for column in replaced -%}
            {%- do added.append('_replaced_' ~ column) -%}
        {%- endfor -%}
        {%- set held_columns = adapter.get_columns_in_relation(this)
            | map(attribute='name') | list -%}
        {%- for column in added if column not in held_columns -%}
            {{ exceptions.raise_compiler_error(
                this ~ " has no column " ~ column ~ ": it was built before its rows were"
                ~ " stamped for the models downstream and cannot catch up by itself. Rebuild"
                ~ " it from raw: " ~ rebuild_launch(this)
            ) }}
        {%- endfor -%}
        {%- set columns = held_columns | reject('in', added) | list -%}
        {%- set candidates -%}
        (
            select {{ columns | join(', ') }} from {{ cte }}
            union all
            select
                {%- for column in columns %}
                held.{{ column }}{{ ',' if not loop.last }}
                {%- endfor %}
            from {{ this }} as held
            where held.{{ key_column }} in (select {{ cte }}.{{ key_column }} from {{ cte }})
        ) as candidate_versions
        {%- endset -%}
        select
            winners.*,
            -- The held version won (same batch): it keeps its stamps.
            case
                when winners._batch_id = held._batch_id then held._staged_at
                else {{ staged_at() }}
            end as _staged_at
            {%- for column in replaced %},
            case
                when winners._batch_id = held._batch_id then held._replaced_{{ column }}
                else held.{{ column }}
            end as _replaced_{{ column }}
            {%- endfor %}
        from ({{ latest_version(candidates, [key_column], modstamp) }}) as winners
        left join {{ this }} as held
            on winners.{{ key_column }} = held.{{ key_column }}
    {%- else -%}
        select
            latest_versions.*,
            {{ staged_at() }} as _staged_at
            {%- for column in replaced %},
            cast(null as {{ type_instant() }}) as _replaced_{{ column }}
            {%- endfor %}
        from ({{ latest_version(cte, [key_column], modstamp) }}) as latest_versions
    {%- endif -%}
{%- endmacro %}
