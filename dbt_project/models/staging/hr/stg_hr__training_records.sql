{#- HR training records (SPEC 9.5): who took which course and when it was passed. Read
    through optional_source: a warehouse that has not yet extracted the entity builds an
    empty model. -#}
{%- set columns = {
    'record_id': dbt.type_string(),
    'employee_no': dbt.type_string(),
    'course_code': dbt.type_string(),
    'course_name': dbt.type_string(),
    'status': dbt.type_string(),
    'completed_on': 'date',
    'score': 'decimal(18,4)',
    'updated_at': dbt.type_timestamp(),
} -%}

with

source as (

    {{ optional_source('hr', 'training_records', columns) }}

),

latest as (

    {{ latest_version('source', ['record_id'], 'updated_at') }}

),

renamed as (

    select
        record_id as training_record_id,
        employee_no as employee_id,
        course_code,
        course_name,
        lower(trim(status)) as training_status,
        completed_on,
        score,
        updated_at
    from latest

)

select * from renamed
