"""Suite for marts.fct_signal_response: one row per signal (SPEC 5.5)."""

from __future__ import annotations

import great_expectations.expectations as gxe

from expectations.suite import (
    BLOCKING,
    WARNING,
    Check,
    MartSuite,
    contract_checks,
    not_negative,
    violations,
)

MART = "fct_signal_response"

# How far the newest extraction of the CRM cases falls short of the end of the run's plant
# day, in hours (0 or less: read after the day ended; no cases at all counts as far short).
SIGNAL_SOURCES_READ = """
select
    max(_extracted_at) as extracted_through_at,
    coalesce(
        date_diff(
            'hour', max(_extracted_at),
            timezone($plant_tz, cast($data_through + 1 as timestamp))
        ),
        9999
    ) as hours_short
from raw.crm__cases
"""

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        *not_negative(["response_hours"]),
        violations(
            "action_not_before_signal",
            BLOCKING,
            "The response is the first action after the signal.",
            f"select signal_id, signal_at, first_action_at from marts.{MART} "
            "where first_action_at < signal_at",
        ),
        violations(
            "response_hours_match_timestamps",
            BLOCKING,
            "response_hours = first_action_at - signal_at.",
            f"select signal_id, signal_at, first_action_at, response_hours from marts.{MART} "
            "where abs(response_hours - "
            "(epoch(first_action_at) - epoch(signal_at)) / 3600.0) > 0.01",
        ),
        # Signals are rare events (a few complaints a month): a day or a week without one
        # is no sign of a late source, so the mart's newest signal says nothing about
        # freshness. What does is whether the cases the signals come from were read after
        # the run's plant day ended: then every signal of that day is in the mart.
        Check(
            "signal_sources_read_through_run_date",
            WARNING,
            "The CRM cases behind the signals must have been extracted after the run's plant "
            "day ended; otherwise that day's complaints and escalations may be missing.",
            gxe.ExpectColumnValuesToBeBetween(column="hours_short", max_value=0),
            SIGNAL_SOURCES_READ,
        ),
    ),
)
