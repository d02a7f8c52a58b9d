"""Suite for marts.fct_employee_score_explained: employee x month x goal (SPEC 9.3)."""

from __future__ import annotations

from expectations.suite import BLOCKING, MartSuite, contract_checks, violations

MART = "fct_employee_score_explained"

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        violations(
            "contribution_is_weight_times_attainment",
            BLOCKING,
            "A goal adds weight x attainment to the score (SPEC 9.3).",
            f"select employee_id, month, goal_id, weight, attainment, score_contribution "
            f"from marts.{MART} where weight is not null and attainment is not null "
            "and abs(score_contribution - weight * attainment) > 0.000001",
        ),
        violations(
            "weight_in_force_on_the_first_day",
            BLOCKING,
            "The weight scoring a month was in force on its first day (SPEC 9.2).",
            f"select employee_id, month, goal_id, weight_effective_from from marts.{MART} "
            "where weight_effective_from > month",
        ),
    ),
)
