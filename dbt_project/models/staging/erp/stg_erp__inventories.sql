with

source as (

    select * from {{ source('erp', 'inventories') }}

),

latest as (

    {{ latest_version('source', ['code'], adapter.quote('modifytime')) }}

),

renamed as (

    select
        code as product_id,
        name as product_name,
        name_en as product_name_en,
        specs as specification,
        cinvccode as product_class,
        ccomunitcode as unit_code,
        iinvsprice as standard_price_cny,
        std_hours as standard_hours_per_unit,
        {{ local_to_utc('modifytime') }} as modified_at
    from latest

)

select * from renamed
