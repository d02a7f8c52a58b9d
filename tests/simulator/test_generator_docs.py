"""The dataset docs are generated from the source contract, and the Excel drop has its documented shape."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from simulator.generator import docs, excel


def test_dataset_md_field_tables_match_schema() -> None:
    text = docs.DATASET_MD.read_text(encoding="utf-8")
    assert docs.render(text) == text, "run: python -m simulator.generator.docs"


def test_targets_workbook_layout(demo_data: Path) -> None:
    wb = openpyxl.load_workbook(demo_data / "excel" / excel.TARGETS, read_only=True)
    assert wb.sheetnames == [
        "README",
        "kpi_targets",
        "stage_weights",
        "line_thresholds",
        "alert_rules",
        "goal_tree",
        "kpi_weights",
        "weight_rules",
        "feedback_rules",
        "badge_rules",
    ]
    rows = list(wb["kpi_targets"].iter_rows(values_only=True))
    assert rows[0] == (
        "scope_type",
        "scope_code",
        "scope_name",
        "kpi_code",
        "kpi_name",
        "unit",
        "direction",
        "target",
        "yellow_threshold",
        "red_threshold",
        "valid_from",
    )
    kpis = {r[3] for r in rows[1:]}
    assert kpis == set(excel.KPIS)
    teams = {r[1] for r in rows[1:] if r[0] == "team"}
    assert len(teams) == 7
    for r in rows[1:]:
        target, yellow, red = r[7:10]
        if r[6] == "higher_better":
            assert target >= yellow >= red
        else:
            assert target <= yellow <= red
    weights = {r[0]: r[2] for r in list(wb["stage_weights"].iter_rows(values_only=True))[1:]}
    assert weights == {
        "sales": 0.20,
        "planning_procurement": 0.10,
        "production": 0.35,
        "quality": 0.10,
        "logistics": 0.15,
        "invoicing": 0.10,
    }
    assert abs(sum(weights.values()) - 1) < 1e-9
    lines = list(wb["line_thresholds"].iter_rows(values_only=True))[1:]
    assert {(r[2], r[3]) for r in lines} == {("weld_strength", "cv"), ("voc", "over_limit_count")}


def test_department_workbooks_are_messy_as_kept(demo_data: Path) -> None:
    wb = openpyxl.load_workbook(demo_data / "excel" / excel.PRODUCTION)
    assert wb.sheetnames == ["2026年1月", "2026年2月"]
    ws = wb["2026年1月"]
    assert ws.merged_cells.ranges  # merged Chinese headers
    labels = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert "焊装线 小计" in labels and "合计" in labels and None in labels[4:]
    wb = openpyxl.load_workbook(demo_data / "excel" / excel.SALES)
    ws = wb["订单跟踪"]
    labels = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert any(str(v).endswith("小计") for v in labels if v) and "总计" in labels
    assert ws.cell(2, 10).value == "备注"  # a notes column people type into
