"""The demo factory's goal tree, KPI weights and weight rules (SPEC 9.1, 9.2; docs/goals.md,
docs/planted.md#goals): the rows of the `goal_tree`, `kpi_weights` and `weight_rules`
sheets of targets.xlsx, and what planted.json says about them.

Per month of the dataset: the plant's first-pass-yield goal (root) -> the production
department's -> each team's first-pass yield and rework rate -> the team lead and two
operators of each team, bound to their team's KPIs (first-pass yield, rework rate, output
per head). Employee weights change once, on the first day of the third month (the
mid-year change); a new-channel rule raises the plant's complaint-rate weight from 0.15 to
0.25 from the same day, taking the 0.10 from OEE; and a key-rush-order rule multiplies the
points pool of orders from A-grade customers with a lead time of at most 7 days by 1.5
(the demo's urgent orders, lead 3-6 days, from A-grade customers are such orders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from simulator.generator.clock import to_date
from simulator.generator.context import Ctx

GOAL_COLUMNS = (
    "goal_id",
    "parent_goal_id",
    "owner_type",
    "owner_id",
    "period",
    "kpi_code",
    "scope_type",
    "scope_id",
    "target",
    "value_path",
    "data_binding",
)
WEIGHT_COLUMNS = ("owner_type", "owner_id", "kpi_code", "weight", "effective_from", "effective_to")
RULE_COLUMNS = (
    "rule_id",
    "condition",
    "from_date",
    "owner_type",
    "owner_id",
    "kpi_raised",
    "kpi_lowered",
    "new_weight",
    "factor",
    "customer_grade",
    "max_lead_days",
    "description",
)
# Employee weights before and after the mid-year change (each sums to 1).
EMPLOYEE_WEIGHTS = {"first_pass_yield": 0.5, "rework_rate": 0.3, "output_per_head": 0.2}
EMPLOYEE_WEIGHTS_CHANGED = {"first_pass_yield": 0.4, "rework_rate": 0.3, "output_per_head": 0.3}
TEAM_WEIGHTS = {"first_pass_yield": 0.6, "rework_rate": 0.4}
PLANT_WEIGHTS = {"first_pass_yield": 0.45, "oee": 0.40, "complaint_rate": 0.15}
DEPARTMENT_WEIGHTS = {"first_pass_yield": 1.0}
TARGETS = {
    "first_pass_yield": 0.97,
    "rework_rate": 0.015,
    "output_per_head": 0.85,
    "oee": 0.75,
}
RUSH_FACTOR = 1.5


@dataclass
class GoalSheets:
    goals: list[tuple[Any, ...]] = field(default_factory=list)
    weights: list[tuple[Any, ...]] = field(default_factory=list)
    rules: list[tuple[Any, ...]] = field(default_factory=list)
    planted: dict[str, Any] = field(default_factory=dict)


def _months(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def goal_sheets(ctx: Ctx) -> GoalSheets:
    """The three sheets' rows for the first plant of the demo (the plant that is planted)."""
    plant = ctx.plant
    months = _months(to_date(ctx.start_day), to_date(ctx.end_day - 1))
    change = months[min(2, len(months) - 1)]
    first = months[0].isoformat()
    out = GoalSheets()
    department = f"{plant.code}-PRD"
    people: dict[str, list[str]] = {}
    for team in plant.teams:
        operators = sorted(
            e.no
            for e in plant.employees
            if e.team == team.code and e.role == "operator" and e.leave_day is None
        )
        people[team.code] = [team.leader, *operators[:2]]
    for month in months:
        period = month.strftime("%Y-%m")
        root = f"{period}/{plant.code}"
        out.goals.append(
            (root, None, "plant", plant.code, period, "first_pass_yield", "plant", plant.code,
             TARGETS["first_pass_yield"], None, "kpi_daily")
        )  # fmt: skip
        dept_goal = f"{period}/{department}"
        out.goals.append(
            (dept_goal, root, "department", department, period, "first_pass_yield",
             "department", department, TARGETS["first_pass_yield"],
             "生产部一次合格率支撑工厂质量目标 / production first-pass yield carries the plant's",
             "kpi_daily")
        )  # fmt: skip
        for team in plant.teams:
            for kpi in ("first_pass_yield", "rework_rate"):
                team_goal = f"{period}/{team.code}/{kpi}"
                out.goals.append(
                    (team_goal, dept_goal, "team", team.code, period, kpi, "team", team.code,
                     TARGETS[kpi],
                     f"{team.name}的{'一次合格率' if kpi == 'first_pass_yield' else '返工率'}"
                     "决定生产部一次合格率 / the crew's yield makes the department's",
                     "kpi_daily")
                )  # fmt: skip
            for employee in people[team.code]:
                for kpi in EMPLOYEE_WEIGHTS:
                    parent = "rework_rate" if kpi == "rework_rate" else "first_pass_yield"
                    out.goals.append(
                        (f"{period}/{employee}/{kpi}", f"{period}/{team.code}/{parent}",
                         "employee", employee, period, kpi, "team", team.code, TARGETS[kpi],
                         "本人工位与班组指标一致 / my station's work is the crew's figure",
                         None)
                    )  # fmt: skip
    # Weights: employees change once; plant, department and teams keep theirs.
    before_change = (change - timedelta(days=1)).isoformat()
    for team in plant.teams:
        for kpi, weight in TEAM_WEIGHTS.items():
            out.weights.append(("team", team.code, kpi, weight, first, None))
        for employee in people[team.code]:
            for kpi, weight in EMPLOYEE_WEIGHTS.items():
                if change == months[0]:
                    out.weights.append(("employee", employee, kpi, weight, first, None))
                    continue
                out.weights.append(("employee", employee, kpi, weight, first, before_change))
                out.weights.append(
                    (
                        "employee",
                        employee,
                        kpi,
                        EMPLOYEE_WEIGHTS_CHANGED[kpi],
                        change.isoformat(),
                        None,
                    )
                )
    for kpi, weight in PLANT_WEIGHTS.items():
        out.weights.append(("plant", plant.code, kpi, weight, first, None))
    for kpi, weight in DEPARTMENT_WEIGHTS.items():
        out.weights.append(("department", department, kpi, weight, first, None))
    out.rules.append(
        ("W1", "new_channel", change.isoformat(), "plant", plant.code, "complaint_rate", "oee",
         0.25, None, None, None,
         "新渠道(直销电商)上线:客诉率权重 0.15→0.25,OEE 让出 0.10 / new direct channel")
    )  # fmt: skip
    out.rules.append(
        ("K1", "key_rush_order", first, None, None, None, None, None, RUSH_FACTOR, "A", 7,
         "A类客户且交期≤7天的急单:积分池×1.5 / key rush orders: points pool x 1.5")
    )  # fmt: skip
    sample_team = plant.teams[0]
    out.planted = {
        "months": [m.strftime("%Y-%m") for m in months],
        "goal_count": len(out.goals),
        "root_goal": f"{months[0].strftime('%Y-%m')}/{plant.code}",
        "employees": {team: ids for team, ids in sorted(people.items())},
        "card_employee": people[sample_team.code][0],
        "weight_change": {
            "date": change.isoformat(),
            "before": EMPLOYEE_WEIGHTS,
            "after": EMPLOYEE_WEIGHTS_CHANGED,
        },
        "new_channel_rule": {
            "rule_id": "W1",
            "from_date": change.isoformat(),
            "owner": plant.code,
            "kpi_raised": "complaint_rate",
            "from": PLANT_WEIGHTS["complaint_rate"],
            "to": 0.25,
            "kpi_lowered": "oee",
        },
        "key_rush_rule": {"rule_id": "K1", "factor": RUSH_FACTOR, "grade": "A", "max_lead_days": 7},
    }
    return out
