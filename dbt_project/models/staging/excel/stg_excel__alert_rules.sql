{#- targets.xlsx, sheet alert_rules (SPEC 8.1, docs/alerts.md): one rule per row, landed
    with the sheet's own column names. `condition` and `window` are SQL words: quoted. -#}
{%- set condition = adapter.quote('condition') -%}
{%- set window = adapter.quote('window') -%}
{%- set columns = {
    'rule_id': dbt.type_string(),
    'name': dbt.type_string(),
    'name_en': dbt.type_string(),
    'scope_type': dbt.type_string(),
    condition: dbt.type_string(),
    'kpi_code': dbt.type_string(),
    'comparator': dbt.type_string(),
    'threshold': 'decimal(18,4)',
    window: dbt.type_string(),
    'windows': dbt.type_int(),
    'level1_role': dbt.type_string(),
    'cc_role': dbt.type_string(),
    'ack_timeout_l1_minutes': dbt.type_int(),
    'ack_timeout_l2_minutes': dbt.type_int(),
    'channels': dbt.type_string(),
    'actions': dbt.type_string(),
    'enabled': dbt.type_boolean(),
    'source_file': dbt.type_string(),
    'source_row': dbt.type_int(),
} -%}

with

source as (

    {{ optional_source('excel', 'alert_rules', columns) }}

),

latest_batch as (

    select max(source._extracted_at) as extracted_at from source

),

renamed as (

    select
        trim(source.rule_id) as rule_id,
        source.name as rule_name,
        source.name_en as rule_name_en,
        lower(trim(source.scope_type)) as scope_type,
        lower(trim(source.{{ condition }})) as condition_name,
        -- The sheet may use the short code the plant says (fpy) for the seed's KPI code.
        case lower(trim(source.kpi_code))
            when 'fpy' then 'first_pass_yield'
            else lower(trim(source.kpi_code))
        end as kpi_code,
        nullif(trim(source.comparator), '') as comparator,
        cast(source.threshold as double) as threshold,
        lower(trim(source.{{ window }})) as window_grain,
        coalesce(source.windows, 1) as consecutive_windows,
        lower(trim(source.level1_role)) as level1_role,
        nullif(lower(trim(source.cc_role)), '') as cc_role,
        coalesce(source.ack_timeout_l1_minutes, 1440) as ack_timeout_l1_minutes,
        coalesce(source.ack_timeout_l2_minutes, 1440) as ack_timeout_l2_minutes,
        lower(replace(source.channels, ' ', '')) as channels,
        nullif(trim(source.actions), '') as actions,
        coalesce(source.enabled, true) as is_enabled,
        -- Where the row is in the workbook: a failed test names it (macros/lineage.sql).
        source.source_file as _source_file,
        source.source_row as _source_row
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.rule_id is not null

)

select * from renamed
