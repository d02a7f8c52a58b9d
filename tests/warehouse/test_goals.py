"""Goals, weights and explained scores on the demo warehouse (SPEC 9.1-9.3, docs/goals.md,
docs/planted.md#goals-and-weights)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl

from tests.warehouse.conftest import land_targets_workbook, run_dbt

UNIT_TESTS = (
    "weights_as_of_the_first_day_of_each_month_with_a_new_channel_rule",
    "goal_binding_refused_without_kpi_data_in_the_30_days_before",
    "goal_attainment_both_directions_cap_and_weighted_roll_up",
    "employee_score_sums_weight_times_attainment_with_month_points",
    "key_rush_order_needs_grade_a_and_a_lead_of_at_most_7_days",
    "key_rush_order_pool_multiplied_and_conserved_in_contribution",
    "contribution_of_a_multiplied_pool_sums_to_it_exactly",
)


def test_the_goal_unit_tests_pass(warehouse) -> None:  # type: ignore[no-untyped-def]
    statuses = {
        result["unique_id"].split(".")[-1]: result["status"]
        for result in warehouse.build.results
        if result["unique_id"].startswith("unit_test.")
    }
    assert {name: statuses.get(name) for name in UNIT_TESTS} == dict.fromkeys(UNIT_TESTS, "pass")


def test_the_planted_card_employee_has_three_weighted_goals_a_month(warehouse) -> None:  # type: ignore[no-untyped-def]
    goals = warehouse.planted["goals"]
    employee, change = goals["card_employee"], date.fromisoformat(goals["weight_change"]["date"])
    with warehouse.connect() as con:
        rows = con.execute(
            'select "month", kpi_code, weight, weight_effective_from '
            "from marts.fct_employee_score_explained where employee_id = ? order by 1, 2",
            [employee],
        ).fetchall()
        score = con.execute(
            "select score, goal_count, weight_total from marts.fct_employee_score "
            'where employee_id = ? and "month" = ?',
            [employee, date(2026, 1, 1)],
        ).fetchone()
        explained = con.execute(
            "select sum(weight * attainment) from marts.fct_employee_score_explained "
            'where employee_id = ? and "month" = ?',
            [employee, date(2026, 1, 1)],
        ).fetchone()[0]
    january = [(k, w) for m, k, w, _ in rows if m == date(2026, 1, 1)]
    assert january == [("first_pass_yield", 0.5), ("output_per_head", 0.2), ("rework_rate", 0.3)]
    # The month of the change is scored with the new weights, in force since that day.
    changed = [(k, w, f) for m, k, w, f in rows if m == change]
    assert changed == [
        ("first_pass_yield", 0.4, change),
        ("output_per_head", 0.3, change),
        ("rework_rate", 0.3, change),
    ]
    assert score[1] == 3 and abs(score[2] - 1) < 1e-9
    assert abs(score[0] - explained) < 1e-5


def test_the_goal_tree_rolls_up_to_the_plant(warehouse) -> None:  # type: ignore[no-untyped-def]
    with warehouse.connect() as con:
        root = con.execute(
            "select depth, attainment, rolled_up_attainment from marts.fct_goal_attainment "
            "where goal_id = '2026-01/P01'"
        ).fetchone()
        department = con.execute(
            "select rolled_up_attainment from marts.fct_goal_attainment "
            "where goal_id = '2026-01/P01-PRD'"
        ).fetchone()[0]
        depths = con.execute(
            "select depth, count(*) from marts.fct_goal_attainment "
            "where \"period\" = '2026-01' group by 1 order by 1"
        ).fetchall()
    assert depths == [(0, 1), (1, 1), (2, 14), (3, 63)]
    # The plant's only child is the department: the root rolls up to it.
    assert root[0] == 0 and root[2] == department and 0 < root[2] <= 1.2


def test_key_rush_orders_multiply_the_pool_and_contribution_still_sums(warehouse) -> None:  # type: ignore[no-untyped-def]
    with warehouse.connect() as con:
        rush = con.execute(
            "select count(*), count(*) filter (where points_pool <> round(base_points_pool * 1.5, 4)) "
            "from marts.fct_order_delivery where is_key_rush_order and is_delivered"
        ).fetchone()
        others = con.execute(
            "select count(*) filter (where points_pool <> base_points_pool) "
            "from marts.fct_order_delivery where not is_key_rush_order and is_delivered"
        ).fetchone()[0]
        unbalanced = con.execute(
            """
            select count(*) from (
                select delivery.order_id
                from marts.fct_order_delivery as delivery
                inner join marts.fct_order_contribution as contribution
                    on delivery.order_id = contribution.order_id
                where delivery.is_key_rush_order
                group by delivery.order_id, delivery.points_pool
                having sum(contribution.points) <> delivery.points_pool
            )
            """
        ).fetchone()[0]
    assert rush[0] > 0 and rush[1] == 0
    assert others == 0
    assert unbalanced == 0


def _month_bytes(db: Path, month: date, out: Path) -> dict[str, bytes]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        files = {}
        for mart in ("fct_employee_score", "fct_employee_score_explained"):
            path = out / f"{mart}-{month}.csv"
            con.execute(
                f"copy (select * from marts.{mart} where \"month\" = '{month}' "
                f"order by all) to '{path}' (header)"
            )
            files[mart] = path.read_bytes()
        return files
    finally:
        con.close()


def test_a_past_month_recomputes_byte_identical_after_a_later_weight_change(  # type: ignore[no-untyped-def]
    warehouse, tmp_path
) -> None:
    change = warehouse.planted["goals"]["weight_change"]["date"]
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse.path, db)
    before = _month_bytes(db, date(2026, 1, 1), tmp_path)
    changed_before = _month_bytes(db, date.fromisoformat(change), tmp_path)
    # Every weight from the change date on: yield 0.4 -> 0.2, output per head 0.3 -> 0.5.
    excel = tmp_path / "excel"
    shutil.copytree(warehouse.data_dir / "excel", excel)
    workbook = openpyxl.load_workbook(excel / "targets.xlsx")
    sheet = workbook["kpi_weights"]
    moved = 0
    for row in sheet.iter_rows(min_row=2):
        owner_type, _, kpi, _, start, _ = (cell.value for cell in row[:6])
        if owner_type == "employee" and str(start) == change:
            row[3].value = {"first_pass_yield": 0.2, "output_per_head": 0.5}.get(kpi, row[3].value)
            moved += 1
    workbook.save(excel / "targets.xlsx")
    assert moved == 63
    land_targets_workbook(db, excel)
    run = run_dbt(db, tmp_path, "run", "--select", "int_kpi_weights_as_of+")
    assert run.returncode == 0, run.output
    assert _month_bytes(db, date(2026, 1, 1), tmp_path) == before
    # The test can fail: the month of the change did move.
    assert _month_bytes(db, date.fromisoformat(change), tmp_path) != changed_before
