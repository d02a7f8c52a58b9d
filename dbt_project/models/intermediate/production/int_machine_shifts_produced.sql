-- Production counts per machine and shift: produced and good quantity and the ideal
-- production time they represent (produced x ideal cycle time of the product on the line).
-- A count belongs to the shift named on it, on the plant date the shift started.
-- A count of an hour in which the machine's state is partly unknown (a recorded gap) is
-- left out, as fct_oee_shift leaves that hour's minutes out: OEE is computed on the
-- hours whose states are known, its quantities and its times alike.
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

unknown_hours as (

    select distinct
        machine_id,
        hour_at
    from {{ ref('int_machine_state_intervals_split') }}
    where machine_state = 'unavailable'

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
        routings.ideal_cycle_seconds is null as is_missing_routing,
        unknown_hours.hour_at is not null as is_in_unknown_hour
    from production_counts
    inner join equipment
        on production_counts.machine_id = equipment.machine_id
    inner join shifts
        on production_counts.shift_code = shifts.shift_code
    left join routings
        on production_counts.product_id = routings.product_id
        and equipment.line_id = routings.line_id
    left join unknown_hours
        on production_counts.machine_id = unknown_hours.machine_id
        and production_counts.hour_at = unknown_hours.hour_at

),

final as (

    select
        {{ concat_key(['machine_id', 'shift_date', 'shift_code'], '|') }} as machine_shift_id,
        machine_id,
        line_id,
        shift_date,
        shift_code,
        coalesce(sum(produced_qty) filter (where not is_in_unknown_hour), 0) as produced_qty,
        coalesce(sum(good_qty) filter (where not is_in_unknown_hour), 0) as good_qty,
        cast(coalesce(sum(ideal_seconds) filter (where not is_in_unknown_hour), 0) as double)
        / 60.0 as ideal_minutes,
        coalesce(sum(produced_qty) filter (where is_in_unknown_hour), 0)
            as unknown_hours_produced_qty,
        count(*) filter (where is_missing_routing) as counts_missing_routing
    from counts_in_shifts
    group by machine_id, line_id, shift_date, shift_code

)

select * from final
