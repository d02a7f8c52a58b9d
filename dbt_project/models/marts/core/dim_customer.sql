-- One row per ERP customer, with its CRM account (grade, industry, key account, owner).
with

customers as (

    select * from {{ ref('stg_erp__customers') }}

),

accounts as (

    select
        account_id,
        customer_id,
        account_name,
        industry,
        billing_city,
        owner_user_id,
        customer_grade,
        is_key_account,
        row_number() over (
            partition by customer_id order by modified_at desc, account_id asc
        ) as account_rank
    from {{ ref('stg_crm__accounts') }}
    where customer_id is not null

),

crm_users as (

    select
        crm_user_id,
        employee_id
    from {{ ref('stg_crm__users') }}

),

final as (

    select
        customers.customer_id,
        customers.customer_name,
        customers.customer_short_name,
        customers.customer_class,
        coalesce(accounts.customer_grade, customers.customer_grade) as customer_grade,
        customers.customer_grade as erp_customer_grade,
        customers.region_code,
        accounts.account_id as crm_account_id,
        accounts.industry,
        accounts.billing_city,
        coalesce(accounts.is_key_account, false) as is_key_account,
        crm_users.employee_id as account_owner_employee_id
    from customers
    left join accounts
        on customers.customer_id = accounts.customer_id
        and accounts.account_rank = 1
    left join crm_users
        on accounts.owner_user_id = crm_users.crm_user_id

)

select * from final
