{#- targets.xlsx, sheet feedback_rules (SPEC 9.4, docs/recognition.md): one micro-feedback
    rule per row, landed with the sheet's own column names. -#}
{%- set columns = {
    'rule_id': dbt.type_string(),
    'name': dbt.type_string(),
    'name_en': dbt.type_string(),
    'event': dbt.type_string(),
    'alert_rule_id': dbt.type_string(),
    'role': dbt.type_string(),
    'template': dbt.type_string(),
    'minutes': dbt.type_int(),
    'cooldown_days': dbt.type_int(),
    'questions': dbt.type_string(),
    'skill_code': dbt.type_string(),
    'skill_name': dbt.type_string(),
    'skill_name_en': dbt.type_string(),
    'enabled': dbt.type_boolean(),
    'source_file': dbt.type_string(),
    'source_row': dbt.type_int(),
} -%}

with

source as (

    {{ optional_source('excel', 'feedback_rules', columns) }}

),

latest_batch as (

    select max(source._extracted_at) as extracted_at from source

),

renamed as (

    select
        trim(source.rule_id) as feedback_rule_id,
        source.name as rule_name,
        source.name_en as rule_name_en,
        lower(trim(source.event)) as event_name,
        nullif(trim(source.alert_rule_id), '') as alert_rule_id,
        nullif(lower(trim(source.role)), '') as role,
        trim(source.template) as template,
        coalesce(source.minutes, 3) as answer_minutes,
        coalesce(source.cooldown_days, 30) as cooldown_days,
        source.questions,
        lower(trim(source.skill_code)) as skill_code,
        source.skill_name,
        coalesce(source.skill_name_en, source.skill_name) as skill_name_en,
        coalesce(source.enabled, true) as is_enabled,
        source.source_file as _source_file,
        source.source_row as _source_row
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.rule_id is not null

)

select * from renamed
