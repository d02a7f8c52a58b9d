-- The stage weights in force: the seed's defaults, each replaced by the Excel workbook's
-- weight for that stage when the workbook has been landed.
with

default_weights as (

    select
        stage,
        weight,
        stage_order,
        stage_name,
        stage_name_en
    from {{ ref('stage_weights') }}

),

workbook_weights as (

    select
        stage,
        weight
    from {{ ref('stg_excel__stage_weights') }}

),

resolved as (

    select
        default_weights.stage,
        default_weights.stage_order,
        default_weights.stage_name,
        default_weights.stage_name_en,
        cast(coalesce(workbook_weights.weight, default_weights.weight) as decimal(18, 4))
            as weight,
        case
            when workbook_weights.weight is not null then 'excel' else 'seed'
        end as weight_source
    from default_weights
    left join workbook_weights
        on default_weights.stage = workbook_weights.stage

)

select * from resolved
