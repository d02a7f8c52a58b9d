{#- The rules of one model as queries returning its failing rows, one union-able query per
    rule: what `column_rules` (tests/generic/column_rules.sql) and each member of
    `group_rules` (tests/generic/group_rules.sql) check. Every query is
    `select '<rule>' as broken_rule<shown> from <relation> as checked ...`: `shown` is the
    caller's columns (a leading comma, then the columns that name the record), so the
    rules are written once and each test says how its failing rows look.

    `rules` (each optional): key (never null, never repeated; with `changed_at`, repeats
    are looked for among the keys of the rows changed in the last `lookback_hours` before
    the newest `changed_at`), not_null, accepted_values, accepted_range, unique (column
    combinations), relationships (column -> {to, field, held}; with `held`
    '<source>.<entity>', a key held open in quarantine for that raw entity is no orphan),
    rules (name -> expression, or {expression, where}). -#}
{% macro rule_queries(relation, rules, shown) %}
{%- set key = rules.get('key') %}
{%- set row_checks = [] %}
{%- if key %}
    {%- do row_checks.append(('not_null:' ~ key, 'checked.' ~ key ~ ' is not null')) %}
{%- endif %}
{%- for column in rules.get('not_null') or [] %}
    {%- do row_checks.append(('not_null:' ~ column, 'checked.' ~ column ~ ' is not null')) %}
{%- endfor %}
{%- for column, values in (rules.get('accepted_values') or {}).items() %}
    {%- set listed = [] %}
    {%- for value in values %}
        {%- do listed.append(value if value is number else "'" ~ value | replace("'", "''") ~ "'") %}
    {%- endfor %}
    {%- do row_checks.append((
        'accepted_values:' ~ column,
        'checked.' ~ column ~ ' is null or checked.' ~ column ~ ' in (' ~ listed | join(', ') ~ ')'
    )) %}
{%- endfor %}
{%- for column, bounds in (rules.get('accepted_range') or {}).items() %}
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
{%- for rule_name, rule in (rules.get('rules') or {}).items() %}
    {%- if rule is mapping and rule.where %}
        {%- do row_checks.append((
            rule_name,
            'case when ' ~ rule.where ~ ' then ' ~ rule.expression ~ ' else true end'
        )) %}
    {%- else %}
        {%- do row_checks.append((rule_name, rule.expression if rule is mapping else rule)) %}
    {%- endif %}
{%- endfor %}
{%- set combinations = ([[key]] if key else []) + (rules.get('unique') or []) %}

{%- set selects = [] %}
{%- for rule_name, expression in row_checks %}
    {%- set query %}
select
    '{{ rule_name }}' as broken_rule{{ shown }}
from {{ relation }} as checked
where not coalesce(({{ expression }}), false)
    {%- endset %}
    {%- do selects.append(query) %}
{%- endfor %}

{%- for columns in combinations %}
    {%- set recent = key and columns == [key] and rules.get('changed_at') %}
    {%- set query %}
select
    'unique:{{ columns | join(",") }}' as broken_rule{{ shown }}
from {{ relation }} as checked
inner join (
    select {{ columns | join(', ') }}
    from {{ relation }}
    {%- if recent %}
    where {{ key }} in (
        select changed.{{ key }}
        from {{ relation }} as changed
        where changed.{{ rules.changed_at }} >= (
            select {{ add_hours('max(newest.' ~ rules.changed_at ~ ')', -var('lookback_hours')) }}
            from {{ relation }} as newest
        )
    )
    {%- endif %}
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

{%- for column, parent in (rules.get('relationships') or {}).items() %}
    {%- set query %}
select
    'relationships:{{ column }}' as broken_rule{{ shown }}
from {{ relation }} as checked
where checked.{{ column }} is not null
    and not exists (
        select 1
        from {{ parent.to }} as parents
        where parents.{{ parent.field }} = checked.{{ column }}
    )
    {%- if parent.held %}
    and not exists (
        select 1
        from ({{ held_open_keys(parent.held) }}) as held
        where held.record_key = cast(checked.{{ column }} as {{ dbt.type_string() }})
    )
    {%- endif %}
    {%- endset %}
    {%- do selects.append(query) %}
{%- endfor %}

{{ return(selects) }}
{% endmacro %}


{#- One group_rules member's rules (tests/generic/group_rules.sql): `rule_queries` with the
    member's name, its record as one text column and every lineage column (`lineage_columns`
    with `every`: null where the member has none), so the members' queries share their
    columns. -#}
{% macro member_rule_queries(relation, name, rules) %}
{%- set key = rules.get('key') %}
{%- set unique = rules.get('unique') or [] %}
{%- set record_columns = rules.get('record') or ([key] if key else (unique[0] if unique else [])) %}
{%- if not record_columns %}
    {{ exceptions.raise_compiler_error(
        "group_rules: " ~ name ~ " needs a key, a unique combination or a record to name a failing row"
    ) }}
{%- endif %}
{%- set lineage = rules.get('lineage') or {} %}
{%- set pairs = [] %}
{%- for column in record_columns %}
    {%- if not loop.first %}{% do pairs.append("', '") %}{% endif %}
    {%- do pairs.append("'" ~ column ~ "='") %}
    {%- do pairs.append("coalesce(cast(checked." ~ column ~ " as " ~ dbt.type_string() ~ "), 'null')") %}
{%- endfor %}
{%- set shown -%},
    '{{ name }}' as model_name,
    {{ dbt.concat(pairs) }} as failing_record,
    {{ lineage_columns(lineage, 'checked', every=true) }}
{%- endset %}
{{ return(rule_queries(relation, rules, shown)) }}
{% endmacro %}


{#- The keys held open in quarantine for the raw entity `held` ('<source>.<entity>'), as
    `record_key`: a child whose parent is among them is no orphan yet (rule_queries'
    relationships with `held`, relationships_or_held). -#}
{% macro held_open_keys(held) -%}
{%- set held_source, held_entity = held.split('.') -%}
select quarantined.record_key
from {{ ref('stg_extract__quarantined_records') }} as quarantined
where quarantined.is_open
    and quarantined.source_system = '{{ held_source }}'
    and quarantined.entity = '{{ held_entity }}'
    and quarantined.record_key is not null
{%- endmacro %}
