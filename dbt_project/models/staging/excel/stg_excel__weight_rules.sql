{#- targets.xlsx, sheet weight_rules (SPEC 9.2, docs/goals.md): new_channel rules move an
    owner's weights from a date; key_rush_order rules multiply the points pool of key rush
    orders. The defaults of the sheet are applied here. `condition` is a SQL word: quoted. -#}
{%- set condition = adapter.quote('condition') -%}
{%- set columns = {
    'rule_id': dbt.type_string(),
    condition: dbt.type_string(),
    'from_date': 'date',
    'owner_type': dbt.type_string(),
    'owner_id': dbt.type_string(),
    'kpi_raised': dbt.type_string(),
    'kpi_lowered': dbt.type_string(),
    'new_weight': 'decimal(18,6)',
    'factor': 'decimal(18,6)',
    'customer_grade': dbt.type_string(),
    'max_lead_days': dbt.type_int(),
    'description': dbt.type_string(),
    'source_file': dbt.type_string(),
    'source_row': dbt.type_int(),
} -%}

with

source as (

    {{ optional_source('excel', 'weight_rules', columns) }}

),

latest_batch as (

    select max(source._extracted_at) as extracted_at from source

),

renamed as (

    select
        trim(source.rule_id) as rule_id,
        lower(trim(source.{{ condition }})) as condition_name,
        source.from_date,
        lower(trim(source.owner_type)) as owner_type,
        trim(source.owner_id) as owner_id,
        lower(trim(source.kpi_raised)) as kpi_raised,
        lower(trim(source.kpi_lowered)) as kpi_lowered,
        cast(source.new_weight as double) as new_weight,
        cast(coalesce(source.factor, 1.5) as decimal(18, 4)) as pool_factor,
        upper(coalesce(nullif(trim(source.customer_grade), ''), 'A')) as customer_grade,
        coalesce(source.max_lead_days, 7) as max_lead_days,
        source.description,
        -- Where the row is in the workbook: a failed test names it (macros/lineage.sql).
        source.source_file as _source_file,
        source.source_row as _source_row
    from source
    inner join latest_batch
        on source._extracted_at = latest_batch.extracted_at
    where source.rule_id is not null

)

select * from renamed
