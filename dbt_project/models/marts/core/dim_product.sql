-- One row per product (ERP inventory).
with

inventories as (

    select * from {{ ref('stg_erp__inventories') }}

),

final as (

    select
        inventories.product_id,
        inventories.product_name,
        inventories.product_name_en,
        inventories.specification,
        inventories.product_class,
        inventories.unit_code,
        inventories.standard_price_cny,
        inventories.standard_hours_per_unit
    from inventories

)

select * from final
