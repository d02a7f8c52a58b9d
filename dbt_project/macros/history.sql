{#-
    Effective-dated history (what dbt snapshots recorded, without their need for Delta,
    Iceberg or Hudi on Spark): from every version of a record that a source keeps, one row
    per record per stretch in which the `tracked` columns held one set of values, valid
    over [valid_from, valid_to) (valid_to null = still valid). A version that changes none
    of the tracked columns extends the stretch; a deleting version (`deleted`, a boolean
    column) ends it, and a later undeleting version starts a new one.

    `relation` holds one row per version: `key`, the `tracked` columns, `version_at` (the
    instant the version took effect) and, optionally, `deleted`.
-#}
{% macro effective_dated_history(relation, key, tracked, version_at, deleted=none) -%}
    {%- set compared = tracked + ([deleted] if deleted else []) -%}
    select
        {{ key }},
        {%- for column in tracked %}
        {{ column }},
        {%- endfor %}
        valid_from,
        valid_to
    from (
        select
            changes.*,
            lead(changes.valid_from) over (
                partition by changes.{{ key }} order by changes.valid_from
            ) as valid_to
        from (
            select *
            from (
                select
                    versions.{{ key }},
                    {%- for column in compared %}
                    versions.{{ column }},
                    lag(versions.{{ column }}) over (
                        partition by versions.{{ key }} order by versions.{{ version_at }}
                    ) as _previous_{{ column }},
                    {%- endfor %}
                    versions.{{ version_at }} as valid_from,
                    row_number() over (
                        partition by versions.{{ key }} order by versions.{{ version_at }}
                    ) as _version_number
                from {{ relation }} as versions
            ) as compared
            where _version_number = 1
                {%- for column in compared %}
                or {{ column }} is distinct from _previous_{{ column }}
                {%- endfor %}
        ) as changes
    ) as stretches
    {%- if deleted %}
    where not coalesce({{ deleted }}, false)
    {%- endif %}
{%- endmacro %}
