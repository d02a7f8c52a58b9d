with

source as (

    select * from {{ source('erp', 'customers') }}

),

latest as (

    {{ latest_version('source', ['code'], adapter.quote('modifytime')) }}

),

renamed as (

    select
        code as customer_id,
        name as customer_name,
        abbrname as customer_short_name,
        ccuscls as customer_class,
        ccusgrade as customer_grade,
        cdccode as region_code,
        {{ local_to_utc('modifytime') }} as modified_at
    from latest

)

select * from renamed
