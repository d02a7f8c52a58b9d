"""Suite for marts.fct_team_quality_hourly: one row per team x hour (SPEC 5.3)."""

from __future__ import annotations

from expectations.suite import (
    MartSuite,
    contract_checks,
    freshness,
    not_negative,
    plant_date,
    rates_between_0_and_1,
)

MART = "fct_team_quality_hourly"

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        *rates_between_0_and_1(["first_pass_yield", "rework_rate", "downtime_rate"]),
        # Output per head is standard hours per attended hour: above 1 is possible, below 0 not.
        *not_negative(["output_per_head"]),
        freshness(MART, plant_date("hour_at")),
    ),
)
