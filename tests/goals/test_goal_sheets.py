"""The goal sheets of targets.xlsx (SPEC 9.1, 9.2; docs/goals.md): goal_tree, kpi_weights
and weight_rules land typed, and every refused row is its own problem naming file, sheet,
row and column, all at once (extractors/excel/goals.py)."""

from __future__ import annotations

import json
import shutil
from datetime import date

import openpyxl
import pytest

from extractors._http.client import Window
from extractors.excel import ExcelDropClient
from extractors.excel.client import GoalSheetsError
from extractors.excel.goals import binding_problems, period_bounds
from extractors.excel.schema import GOAL_TREE, KPI_WEIGHTS, WEIGHT_RULES
from perfchain.checkconfig import check_targets


@pytest.fixture
def drop(demo_data, tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "drop"
    shutil.copytree(demo_data / "excel", folder)
    return folder


def _edit(drop, sheet, cells=None, append=()):  # type: ignore[no-untyped-def]
    workbook = openpyxl.load_workbook(drop / "targets.xlsx")
    for cell, value in (cells or {}).items():
        workbook[sheet][cell] = value
    for row in append:
        workbook[sheet].append(row)
    workbook.save(drop / "targets.xlsx")


def _problems(drop, entity):  # type: ignore[no-untyped-def]
    with pytest.raises(GoalSheetsError) as caught:
        list(ExcelDropClient(drop).extract(entity, Window()))
    return [str(problem) for problem in caught.value.problems]


def test_the_demo_goal_sheets_land(drop, demo_data) -> None:  # type: ignore[no-untyped-def]
    months = len(json.loads((demo_data / "planted.json").read_text())["goals"]["months"])
    client = ExcelDropClient(drop)
    goals = [row for page in client.extract(GOAL_TREE, Window()) for row in page]
    weights = [row for page in client.extract(KPI_WEIGHTS, Window()) for row in page]
    rules = [row for page in client.extract(WEIGHT_RULES, Window()) for row in page]
    # Per month: plant + department + 7 teams x 2 + 7 teams x 3 people x 3 KPIs.
    assert len(goals) == months * (1 + 1 + 14 + 63)
    assert goals[0]["goal_id"] == "2026-01/P01" and goals[0]["parent_goal_id"] is None
    assert {rule["rule_id"]: rule["condition"] for rule in rules} == {
        "W1": "new_channel",
        "K1": "key_rush_order",
    }
    # 7 teams x 2 + 21 people x 3 KPIs x 2 periods + plant 3 + department 1.
    assert len(weights) == 14 + 126 + 3 + 1


G = "targets.xlsx, sheet 'goal_tree',"


def test_every_refused_goal_is_its_own_error_naming_the_cell(drop) -> None:  # type: ignore[no-untyped-def]
    # Rows: 2 plant root, 3 department, 4/5 first team's yield/rework, 6-8 its lead's goals.
    _edit(
        drop,
        "goal_tree",
        {
            "B2": "2026-01/P01-PRD",  # root made a child of its own child: a cycle
            "J2": "closes the loop",
            "F4": "fpy_x",  # unknown KPI
            "B5": "2026-01/nowhere",  # missing parent
            "J6": None,  # non-root without value path
            "E7": "2026-13",  # no such month
            "G8": "shift",  # unknown scope kind
            "I9": -1,  # target below 0
            "A10": "2026-01/P01",  # duplicate id
        },
    )
    assert _problems(drop, GOAL_TREE) == [
        f"{G} row 2, column B (parent_goal_id): goals form a cycle: "
        "2026-01/P01 -> 2026-01/P01-PRD -> 2026-01/P01",
        f"{G} row 3, column B (parent_goal_id): goals form a cycle: "
        "2026-01/P01-PRD -> 2026-01/P01 -> 2026-01/P01-PRD",
        f"{G} row 4, column F (kpi_code): unknown kpi_code 'fpy_x' (not in kpi_definitions)",
        f"{G} row 5, column B (parent_goal_id): parent goal '2026-01/nowhere' does not exist "
        "in the sheet",
        f"{G} row 6, column J (value_path): value_path missing: say how this goal serves its "
        "parent",
        f"{G} row 7, column E (period): '2026-13' is not a month (YYYY-MM) or quarter (YYYY-Qn)",
        f"{G} row 8, column G (scope_type): unknown scope_type 'shift' (kpi_daily has plant, "
        "department, team, line, machine)",
        f"{G} row 9, column I (target): target -1 must be above 0 (attainment divides by it)",
        f"{G} row 10, column A (goal_id): duplicate goal_id '2026-01/P01' (first in row 2)",
    ]


W = "targets.xlsx, sheet 'kpi_weights',"


def test_weights_not_summing_to_one_and_overlaps_are_refused_row_by_row(drop, demo_data) -> None:  # type: ignore[no-untyped-def]
    change = json.loads((demo_data / "planted.json").read_text())["goals"]["weight_change"]["date"]
    workbook = openpyxl.load_workbook(drop / "targets.xlsx", read_only=True)
    rows = list(workbook["kpi_weights"].iter_rows(values_only=True))
    workbook.close()
    team, lead = rows[1][1], rows[3][1]
    last = len(rows)
    _edit(
        drop,
        "kpi_weights",
        {"D2": 0.7},  # the first team: 0.7 + 0.4 on 2026-01-01
        append=[
            # The lead's yield weight again from 03-10: overlaps row 5 (the changed weight,
            # open).
            ("employee", lead, "first_pass_yield", 0.4, "2026-03-10", None),
            ("employee", lead, "no_such_kpi", 0.0, "2026-01-01", None),
        ],
    )
    assert _problems(drop, KPI_WEIGHTS) == [
        f"{W} row 2, column D (weight): the weights of team {team} in force on 2026-01-01 "
        "(rows 2, 3) sum to 1.1000, not 1",
        f"{W} row 3, column D (weight): the weights of team {team} in force on 2026-01-01 "
        "(rows 2, 3) sum to 1.1000, not 1",
        f"{W} row {last + 1}, column E (effective_from): {lead} first_pass_yield: period from "
        f"2026-03-10 overlaps row 5 ({change} .. open)",
        f"{W} row {last + 2}, column C (kpi_code): unknown kpi_code 'no_such_kpi' (not in "
        "kpi_definitions)",
    ]


R = "targets.xlsx, sheet 'weight_rules',"


def test_weight_rules_that_break_the_weights_are_refused(drop) -> None:  # type: ignore[no-untyped-def]
    _edit(drop, "weight_rules", {"H2": 0.6, "I3": 0})
    assert _problems(drop, WEIGHT_RULES) == [
        f"{R} row 2, column H (new_weight): raising complaint_rate to 0.6 would take oee of "
        "plant P01 below 0 (-0.0500)",
        f"{R} row 3, column I (factor): factor 0 must be above 0",
    ]


def test_check_config_lists_every_refused_row_of_every_goal_sheet(drop) -> None:  # type: ignore[no-untyped-def]
    _edit(drop, "goal_tree", {"F4": "fpy_x", "J6": None})
    _edit(drop, "weight_rules", {"I3": -2})
    problems = check_targets(drop, echo=False)
    assert problems == [
        f"{G} row 4, column F (kpi_code): unknown kpi_code 'fpy_x' (not in kpi_definitions)",
        f"{G} row 6, column J (value_path): value_path missing: say how this goal serves its "
        "parent",
        f"{R} row 3, column I (factor): factor -2 must be above 0",
    ]


def test_a_workbook_without_goal_sheets_has_no_goals(drop) -> None:  # type: ignore[no-untyped-def]
    workbook = openpyxl.load_workbook(drop / "targets.xlsx")
    for name in ("goal_tree", "kpi_weights", "weight_rules"):
        del workbook[name]
    workbook.save(drop / "targets.xlsx")
    client = ExcelDropClient(drop)
    assert [row for page in client.extract(GOAL_TREE, Window()) for row in page] == []
    assert "no sheet 'goal_tree'" in client.warnings[0]


def test_period_bounds() -> None:
    assert period_bounds("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_bounds("2026-Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_bounds("2026-Q5") is None


def test_a_binding_without_kpi_data_in_the_30_days_before_is_refused() -> None:
    goals = [
        {"source_row": 2, "goal_id": "a", "period": "2026-03", "kpi_code": "oee",
         "scope_type": "team", "scope_id": "T1"},
        {"source_row": 3, "goal_id": "b", "period": "2026-03", "kpi_code": "oee",
         "scope_type": "team", "scope_id": "T2"},
        {"source_row": 4, "goal_id": "c", "period": "2026-01", "kpi_code": "oee",
         "scope_type": "team", "scope_id": "T2"},
    ]  # fmt: skip
    days = {
        ("oee", "team", "T1"): [date(2026, 2, 27)],
        ("oee", "team", "T2"): [date(2026, 1, 20)],
    }
    problems = [
        str(p)
        for p in binding_problems(goals, "targets.xlsx", {"scope_id": "H"}, days, date(2026, 1, 1))
    ]
    # a: data on 02-27, inside 01-30 .. 02-28. b: its only day 01-20 is before the window.
    # c: January's window is the first 30 days of history, 01-01 .. 01-30: kept.
    assert problems == [
        f"{G} row 3, column H (scope_id): kpi_daily has no oee for team T2 in the 30 days "
        "before 2026-03 (none from 2026-01-30 to 2026-02-28)"
    ]
