"""Suite for marts.fct_employee_score: employee x month (SPEC 9.3)."""

from __future__ import annotations

from expectations.suite import BLOCKING, MartSuite, contract_checks, not_negative, violations

MART = "fct_employee_score"

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        *not_negative(["contribution_points", "score"]),
        violations(
            "score_is_the_sum_of_its_explanation",
            BLOCKING,
            "The score is the sum of the explained rows' contributions (SPEC 9.3).",
            f"select score.employee_id, score.month, score.score, sum(explained.score_contribution) "
            f"from marts.{MART} as score "
            "inner join marts.fct_employee_score_explained as explained "
            "on score.employee_id = explained.employee_id and score.month = explained.month "
            "group by score.employee_id, score.month, score.score "
            "having abs(coalesce(score.score, 0) - coalesce(sum(explained.score_contribution), 0)) "
            "> 0.00001",
        ),
    ),
)
