"""Suite for marts.fct_signal_response: one row per signal (SPEC 5.5)."""

from __future__ import annotations

from expectations.suite import (
    BLOCKING,
    WARNING,
    MartSuite,
    contract_checks,
    freshness,
    not_negative,
    plant_date,
    violations,
)

MART = "fct_signal_response"

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
        # Signals do not happen every day: a quiet day is worth a look, not a stop.
        freshness(MART, plant_date("signal_at"), WARNING),
    ),
)
