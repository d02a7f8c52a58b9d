{#- targets.xlsx, sheet badge_rules (SPEC 9.5, docs/recognition.md): one badge level per
    row, landed with the sheet's own column names. `condition` is an SQL word: quoted. -#}
{%- set condition = adapter.quote('condition') -%}
{%- set columns = {
    'badge_code': dbt.type_string(),
    'level': dbt.type_int(),
    'badge_name': dbt.type_string(),
    'badge_name_en': dbt.type_string(),
    condition: dbt.type_string(),
    'course_code': dbt.type_string(),
    'share_of_shifts': 'decimal(18,4)',
    'weeks': dbt.type_int(),
    'skill_code': dbt.type_string(),
    'enabled': dbt.type_boolean(),
    'source_file': dbt.type_string(),
    'source_row': dbt.type_int(),
} -%}

with

source as (

    {{ optional_source('excel', 'badge_rules', columns) }}

),

latest_batch as (

    select max(source._extracted_at) as extracted_at from source

),

renamed as (

    select
        lower(trim(source.badge_code)) as badge_code,
        source.level as badge_level,
        source.badge_name,
        coalesce(source.badge_name_en, source.badge_name) as badge_name_en,
        lower(trim(source.{{ condition }})) as condition_name,
        nullif(trim(source.course_code), '') as course_code,
        source.share_of_shifts,
        source.weeks as streak_weeks,
        nullif(lower(trim(source.skill_code)), '') as skill_code,
        coalesce(source.enabled, true) as is_enabled,
        source.source_file as _source_file,
        source.source_row as _source_row
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.badge_code is not null

)

select * from renamed
