-- Production counts per machine and shift: produced and good quantity and the ideal
-- production time they represent (produced x ideal cycle time of the product on the line).
-- A count belongs to the shift named on it, on the plant date the shift started.
with

production_counts as (

    select
        production_record_id,
        machine_id,
        product_id,
        team_id,
        shift_code,
        hour_at,
        produced_qty,
        good_qty
    from {{ ref('stg_mes__production_counts') }}

),

equipment as (

    select
        machine_id,
        line_id
    from {{ ref('stg_mes__equipment') }}

),

routings as (

    select
        product_id,
        line_id,
        ideal_cycle_seconds
    from {{ ref('stg_mes__routings') }}

),

shifts as (

    select
        shift_code,
        {{ hhmm_to_minutes('start_time') }} as start_minute
    from {{ ref('stg_hr__shifts') }}

),

counts_in_shifts as (

    select
        production_counts.machine_id,
        equipment.line_id,
        production_counts.shift_code,
        -- The plant date the shift started: a 02:00 count of a 20:00 night shift belongs
        -- to the previous date.
        cast(
            {{ add_minutes(to_plant_time('production_counts.hour_at'), '-shifts.start_minute') }}
            as date
        ) as shift_date,
        production_counts.produced_qty,
        production_counts.good_qty,
        production_counts.produced_qty * routings.ideal_cycle_seconds as ideal_seconds,
        routings.ideal_cycle_seconds is null as is_missing_routing
    from production_counts
    inner join equipment
        on production_counts.machine_id = equipment.machine_id
    inner join shifts
        on production_counts.shift_code = shifts.shift_code
    left join routings
        on production_counts.product_id = routings.product_id
        and equipment.line_id = routings.line_id

),

final as (

    select
        {{ concat_key(['machine_id', 'shift_date', 'shift_code'], '|') }} as machine_shift_id,
        machine_id,
        line_id,
        shift_date,
        shift_code,
        sum(produced_qty) as produced_qty,
        sum(good_qty) as good_qty,
        cast(coalesce(sum(ideal_seconds), 0) as double) / 60.0 as ideal_minutes,
        count(*) filter (where is_missing_routing) as counts_missing_routing
    from counts_in_shifts
    group by machine_id, line_id, shift_date, shift_code

)

select * from final
