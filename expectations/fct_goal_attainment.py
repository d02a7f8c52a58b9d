"""Suite for marts.fct_goal_attainment: one row per goal x period (SPEC 9.1)."""

from __future__ import annotations

from expectations.suite import BLOCKING, MartSuite, contract_checks, violations

MART = "fct_goal_attainment"

SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        violations(
            "attainment_capped_at_1_2",
            BLOCKING,
            "Attainment and rolled-up attainment lie between 0 and the 1.2 cap (SPEC 9.1).",
            f"select goal_id, attainment, rolled_up_attainment from marts.{MART} "
            "where attainment not between 0 and 1.2 "
            "or rolled_up_attainment not between 0 and 1.2",
        ),
        violations(
            "leaf_rolls_up_to_its_own_attainment",
            BLOCKING,
            "A goal without children rolls up to its own attainment.",
            f"select goal.goal_id, goal.attainment, goal.rolled_up_attainment "
            f"from marts.{MART} as goal "
            f"where not exists (select 1 from marts.{MART} as child "
            "where child.parent_goal_id = goal.goal_id) "
            "and goal.rolled_up_attainment is distinct from goal.attainment",
        ),
        violations(
            "parent_goal_is_published",
            BLOCKING,
            "Every parent a goal names is in the mart (the tree is whole).",
            f"select goal.goal_id, goal.parent_goal_id from marts.{MART} as goal "
            f"left join marts.{MART} as parent on goal.parent_goal_id = parent.goal_id "
            "where goal.parent_goal_id is not null and parent.goal_id is null",
        ),
    ),
)
