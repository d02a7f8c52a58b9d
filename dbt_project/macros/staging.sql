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
-#}
{% macro optional_source(source_name, table_name, columns) -%}
    {%- set declared = source(source_name, table_name) -%}
    {%- set found = none -%}
    {%- if execute -%}
        {%- set found = adapter.get_relation(
            database=declared.database, schema=declared.schema, identifier=declared.identifier
        ) -%}
    {%- endif -%}
    {%- if found is not none -%}
        select
            {% for name, type in columns.items() -%}
            cast({{ name }} as {{ type }}) as {{ name }},
            {% endfor -%}
            _batch_id,
            _extracted_at
        from {{ found }}
    {%- else -%}
        select
            {% for name, type in columns.items() -%}
            cast(null as {{ type }}) as {{ name }},
            {% endfor -%}
            cast(null as varchar) as _batch_id,
            cast(null as timestamptz) as _extracted_at
        where 1 = 0
    {%- endif -%}
{%- endmacro %}

{#-
    Incremental staging for the high-volume append-only raw tables. A nightly build takes
    in only the raw rows of batches the model has not seen (`unseen_batches`: replays and
    backfills of older dates count as unseen too), and `latest_new_version` lets them
    compete with the versions the model already holds for the same keys, so the newest
    modstamp wins as in a full rebuild. Such a model keeps `_batch_id` and `_extracted_at`
    and lists its final columns in the order of `cte`.
-#}
{% macro unseen_batches() -%}
    {%- if is_incremental() -%}
    where _batch_id not in (select distinct seen._batch_id from {{ this }} as seen)
    {%- endif -%}
{%- endmacro %}

{% macro latest_new_version(cte, key_column, modstamp) -%}
    {%- if is_incremental() -%}
        {%- set candidates -%}
        (
            select * from {{ cte }}
            union all
            select held.*
            from {{ this }} as held
            where held.{{ key_column }} in (select {{ cte }}.{{ key_column }} from {{ cte }})
        ) as candidate_versions
        {%- endset -%}
        {{ latest_version(candidates, [key_column], modstamp) }}
    {%- else -%}
        {{ latest_version(cte, [key_column], modstamp) }}
    {%- endif -%}
{%- endmacro %}
