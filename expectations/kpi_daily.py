"""Suite for marts.kpi_daily: one row per date x scope x kpi (SPEC 5.7).

It also carries the source-coverage check: the KPIs of a day need every source's rows
for that day, so a source that went missing for the day blocks the publish here.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.suite import (
    BLOCKING,
    Check,
    MartSuite,
    contract_checks,
    freshness,
    violations,
)

MART = "kpi_daily"

# Event tables with activity on every working day, and how a row gets its plant date.
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

_EVENTS = "\n    union all\n    ".join(
    f"select '{name}' as source_entity, {date_expr} as event_date from {table} "
    f"where {date_expr} between $data_through - 28 and $data_through"
    for name, (table, date_expr) in SOURCE_EVENTS.items()
)

# A source that had rows on at least 3 of the 4 same weekdays before, but none on the run's
# date, is missing for the day. Comparing same weekdays keeps a plant's weekly rest day
# from looking like an outage.
SOURCE_MISSING_FOR_DAY = f"""
with events as (
    {_EVENTS}
),
expected as (
    select source_entity
    from events
    where event_date in (
        $data_through - 7, $data_through - 14, $data_through - 21, $data_through - 28
    )
    group by all
    having count(distinct event_date) >= 3
),
present as (
    select distinct source_entity from events where event_date = $data_through
)
select expected.source_entity, $data_through as missing_date
from expected
left join present on present.source_entity = expected.source_entity
where present.source_entity is null
order by expected.source_entity
"""

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        Check(
            "status_in_traffic_lights",
            BLOCKING,
            "The heatmap knows green, yellow and red only.",
            gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["green", "yellow", "red"]),
        ),
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
        violations(
            "on_time_numerator_not_above_denominator",
            BLOCKING,
            "On-time orders are a subset of the orders due in the period (SPEC 5.1).",
            f"select kpi_date, scope_type, scope_id, kpi_code, numerator, denominator "
            f"from marts.{MART} "
            "where (kpi_code ilike '%otd%' or kpi_code ilike '%on_time%') "
            "and numerator > denominator",
        ),
        freshness(MART, "kpi_date"),
        violations(
            "every_source_present_for_the_day",
            BLOCKING,
            "Freshness of the sources: a source missing for the day would publish KPIs "
            "computed without it.",
            SOURCE_MISSING_FOR_DAY,
        ),
    ),
)
