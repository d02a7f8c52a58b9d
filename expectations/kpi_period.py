"""Suite for marts.kpi_period: one row per period type x period end x scope x kpi (SPEC 5.6).

A period's figure is its own numerator over its own denominator; the checks below hold
the mart to that: the quotient, and the reconciliation of every additive KPI with the sum
of its days in kpi_daily (a day carries a row whenever either side has events, so the
sums must match exactly).
"""

from __future__ import annotations

from expectations.suite import (
    BLOCKING,
    MartSuite,
    contract_checks,
    on_time_within_due,
    status_in_traffic_lights,
    violations,
)

MART = "kpi_period"

# Not sums of days: percentiles and shares over the period's signals, and OEE, whose
# numerator weighs ideal time by the period's quality ratio.
NOT_ADDITIVE = ("oee", "response_hours_median", "response_hours_p90", "auto_trigger_share")
_NOT_ADDITIVE_SQL = ", ".join(f"'{code}'" for code in NOT_ADDITIVE)

ADDITIVE_MATCHES_DAYS = f"""
with days as (
    select
        period.period_type, period.period_end, period.scope_type, period.scope_id,
        period.kpi_code, period.numerator, period.denominator,
        coalesce(sum(daily.numerator), 0) as daily_numerator,
        coalesce(sum(daily.denominator), 0) as daily_denominator,
    from marts.{MART} as period
    left join marts.kpi_daily as daily
        on daily.kpi_code = period.kpi_code
        and daily.scope_type = period.scope_type
        and daily.scope_id = period.scope_id
        and daily.kpi_date between period.period_start and period.period_end
    where period.is_latest
        and period.kpi_code not in ({_NOT_ADDITIVE_SQL})
    group by all
)
select * from days
where abs(numerator - daily_numerator) > 1e-4
    or abs(denominator - daily_denominator) > 1e-4
"""

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        status_in_traffic_lights(),
        violations(
            "value_equals_numerator_over_denominator",
            BLOCKING,
            "A period divides its own summed components once; hour statistics (response "
            "median/p90) are not quotients: their numerator counts the signals at or under "
            "the value, their denominator the signals answered.",
            f"select period_type, period_end, scope_type, scope_id, kpi_code, numerator, "
            f"denominator, value from marts.{MART} "
            "where kpi_code not like 'response\\_hours\\_%' escape '\\' "
            "and ((denominator > 0 and abs(value - numerator / denominator) > 1e-6) "
            "or (denominator = 0 and value is not null))",
        ),
        on_time_within_due(MART, "period_type, period_end, scope_type, scope_id, kpi_code"),
        violations(
            "additive_kpis_equal_the_sum_of_their_days",
            BLOCKING,
            "SPEC 5.6: a period counts every event of its days, whichever day the other side "
            "fell on; a gap means kpi_daily dropped a day with events on one side only.",
            ADDITIVE_MATCHES_DAYS,
        ),
        violations(
            "one_latest_row_per_period",
            BLOCKING,
            "Readers take the whole period from the row flagged is_latest.",
            f"select period_type, period_start, scope_type, scope_id, kpi_code, "
            f"count(*) filter (where is_latest) as latest_rows from marts.{MART} "
            "group by all having count(*) filter (where is_latest) <> 1",
        ),
    ),
)
