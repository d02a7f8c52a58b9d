"""Suite for marts.kpi_daily: one row per date x scope x kpi (SPEC 5.7).

It also carries the source-coverage check: the KPIs of a working day need every source's
rows for that day, so a source silent on a working day of the plant calendar blocks the
publish here; a rest day, a holiday or a shutdown owes no rows.
"""

from __future__ import annotations

from expectations.suite import (
    BLOCKING,
    CALENDAR_DAYS,
    WORKING_DAYS,
    MartSuite,
    contract_checks,
    freshness,
    on_time_within_due,
    status_in_traffic_lights,
    violations,
)

MART = "kpi_daily"

# Event tables with activity on working days, and how a row gets its plant date.
# U8 and Weaver send plant-local wall time; the REST sources send offsets (raw: TIMESTAMPTZ).
SOURCE_EVENTS: dict[str, tuple[str, str]] = {
    "erp.sale_invoices": ("raw.erp__sale_invoices", "cast(verify_time as date)"),
    "oa.workflow_logs": ("raw.oa__workflow_logs", 'cast("operateTime" as date)'),
    "mes.production_counts": (
        "raw.mes__production_counts",
        "cast(timezone($plant_tz, hour_start) as date)",
    ),
    "qms.inspections": ("raw.qms__inspections", "cast(timezone($plant_tz, inspected_at) as date)"),
    "wms.shipments": ("raw.wms__shipments", "cast(timezone($plant_tz, shipped_at) as date)"),
    "wms.proofs_of_delivery": (
        "raw.wms__proofs_of_delivery",
        "cast(timezone($plant_tz, signed_at) as date)",
    ),
    "hr.attendance": ("raw.hr__attendance", "work_date"),
}

# A source is owed rows on a working day of the plant calendar when it brought at least
# SOURCE_MIN_ROWS rows on each of the last (three or four) working days of the same weekday
# within the calendar's window. Same weekday: a plant's Sunday is not its Monday. Working
# days only: a holiday or a shutdown neither owes rows nor teaches what a day brings. The
# floor: a source that brings a handful of rows on such days can be silent by chance
# (a quiet Sunday's invoices), which is no outage.
SOURCE_MIN_ROWS = 5
SAME_WEEKDAYS = 4

_EVENTS = "\n    union all\n    ".join(
    f"select '{name}' as source_entity, {date_expr} as event_date from {table} "
    f"where {date_expr} between $data_through - {CALENDAR_DAYS} and $data_through"
    for name, (table, date_expr) in SOURCE_EVENTS.items()
)

SOURCE_MISSING_FOR_DAY = f"""
with {WORKING_DAYS},
events as (
    {_EVENTS}
),
daily_rows as (
    select source_entity, event_date, count(*) as event_rows
    from events
    group by all
),
same_weekdays as (
    select plant_date
    from working_days
    where plant_date < $data_through and isodow(plant_date) = isodow($data_through)
    order by plant_date desc
    limit {SAME_WEEKDAYS}
),
expected as (
    select
        daily_rows.source_entity,
        count(*) as same_weekdays_with_rows,
        min(daily_rows.event_rows) as fewest_rows,
    from same_weekdays
    inner join daily_rows on daily_rows.event_date = same_weekdays.plant_date
    group by all
    having
        count(*) >= 3
        and count(*) = (select count(*) from same_weekdays)
        and min(daily_rows.event_rows) >= {SOURCE_MIN_ROWS}
),
run_day as (
    select plant_date from working_days where plant_date = $data_through
),
present as (
    select distinct source_entity from events where event_date = $data_through
)
select
    expected.source_entity,
    run_day.plant_date as missing_date,
    expected.same_weekdays_with_rows,
    expected.fewest_rows,
from expected
cross join run_day
left join present on present.source_entity = expected.source_entity
where present.source_entity is null
order by expected.source_entity
"""

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        status_in_traffic_lights(),
        violations(
            "denominator_not_negative",
            BLOCKING,
            "A denominator counts orders, units or minutes.",
            f"select kpi_date, scope_type, scope_id, kpi_code, denominator from marts.{MART} "
            "where denominator < 0",
        ),
        violations(
            "value_equals_numerator_over_denominator",
            BLOCKING,
            "Roll-ups sum components and divide once; value must be that quotient. Hour "
            "statistics (response median/p90) are not quotients: their numerator counts the "
            "signals at or under the value, their denominator the signals answered.",
            f"select kpi_date, scope_type, scope_id, kpi_code, numerator, denominator, value "
            f"from marts.{MART} "
            "where kpi_code not like 'response\\_hours\\_%' escape '\\' "
            "and denominator > 0 and abs(value - numerator / denominator) > 1e-6",
        ),
        on_time_within_due(MART, "kpi_date, scope_type, scope_id, kpi_code"),
        freshness(MART, "kpi_date"),
        violations(
            "every_source_present_for_the_day",
            BLOCKING,
            "Freshness of the sources: a source missing on a working day of the plant "
            "calendar would publish KPIs computed without it.",
            SOURCE_MISSING_FOR_DAY,
        ),
    ),
)
