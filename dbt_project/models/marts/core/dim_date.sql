-- One row per calendar date from the first order or schedule in the data to 90 days past
-- the as-of date (promises reach into the future).
with

sale_orders as (

    select
        min(order_date) as first_date,
        max(current_promised_date) as last_date
    from {{ ref('stg_erp__sale_orders') }}

),

shift_schedules as (

    select
        min(work_date) as first_date,
        max(work_date) as last_date
    from {{ ref('stg_hr__shift_schedules') }}

),

horizon as (

    select as_of_date from {{ ref('int_data_horizons_resolved') }}

),

bounds as (

    select
        least(
            coalesce(sale_orders.first_date, horizon.as_of_date),
            coalesce(shift_schedules.first_date, horizon.as_of_date),
            horizon.as_of_date
        ) as first_date,
        greatest(
            coalesce(sale_orders.last_date, horizon.as_of_date),
            coalesce(shift_schedules.last_date, horizon.as_of_date),
            {{ add_days('horizon.as_of_date', 90) }}
        ) as last_date
    from sale_orders
    cross join shift_schedules
    cross join horizon

),

spine as (

    select {{ dates_between('bounds.first_date', 'bounds.last_date') }} as date_id
    from bounds

),

final as (

    select
        spine.date_id,
        cast(extract(year from spine.date_id) as integer) as year_number,
        cast(extract(quarter from spine.date_id) as integer) as quarter_number,
        cast(extract(month from spine.date_id) as integer) as month_number,
        {{ month_start('spine.date_id') }} as month_start_date,
        {{ iso_week_start('spine.date_id') }} as week_start_date,
        cast({{ iso_week_number('spine.date_id') }} as integer) as iso_week_number,
        cast(extract(day from spine.date_id) as integer) as day_of_month,
        cast({{ iso_day_of_week('spine.date_id') }} as integer) as day_of_week,
        case cast({{ iso_day_of_week('spine.date_id') }} as integer)
            when 1 then '星期一' when 2 then '星期二' when 3 then '星期三'
            when 4 then '星期四' when 5 then '星期五' when 6 then '星期六'
            else '星期日'
        end as day_name,
        case cast({{ iso_day_of_week('spine.date_id') }} as integer)
            when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday'
            when 4 then 'Thursday' when 5 then 'Friday' when 6 then 'Saturday'
            else 'Sunday'
        end as day_name_en,
        cast(extract(month from spine.date_id) as {{ dbt.type_string() }}) || '月' as month_name,
        case cast(extract(month from spine.date_id) as integer)
            when 1 then 'January' when 2 then 'February' when 3 then 'March'
            when 4 then 'April' when 5 then 'May' when 6 then 'June'
            when 7 then 'July' when 8 then 'August' when 9 then 'September'
            when 10 then 'October' when 11 then 'November' else 'December'
        end as month_name_en,
        cast({{ iso_day_of_week('spine.date_id') }} as integer) >= 6 as is_weekend
    from spine

)

select * from final
