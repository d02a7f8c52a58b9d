"""The feedback_rules and badge_rules sheets of targets.xlsx (SPEC 9.4, 9.5;
docs/recognition.md): they land typed like the other target sheets, and a broken sheet is
every bad cell named by file, sheet, row and column, all at once; check-config prints them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from extractors._http.client import Window
from extractors.excel import ExcelDropClient
from extractors.excel.recognition import RecognitionSheetError
from extractors.excel.schema import BADGE_RULES, FEEDBACK_RULES
from perfchain.checkconfig import check_targets
from simulator.generator.excel import (
    ALERT_RULE_COLUMNS,
    ALERT_RULES,
    BADGE_RULE_COLUMNS,
    FEEDBACK_RULE_COLUMNS,
)
from simulator.generator.excel import BADGE_RULES as DEMO_BADGES
from simulator.generator.excel import FEEDBACK_RULES as DEMO_FEEDBACK


def _workbook(folder: Path, breaks: dict[str, dict[str, Any]] | None = None) -> Path:
    """A targets.xlsx with the demo alert, feedback and badge rules, `breaks` (sheet ->
    cell -> value) written over them."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, columns, rows in (
        ("alert_rules", ALERT_RULE_COLUMNS, ALERT_RULES),
        ("feedback_rules", FEEDBACK_RULE_COLUMNS, DEMO_FEEDBACK),
        ("badge_rules", BADGE_RULE_COLUMNS, DEMO_BADGES),
    ):
        sheet = workbook.create_sheet(name)
        sheet.append(list(columns))
        for row in rows:
            sheet.append(list(row))
    for name, cells in (breaks or {}).items():
        for cell, value in cells.items():
            workbook[name][cell] = value
    folder.mkdir(parents=True, exist_ok=True)
    workbook.save(folder / "targets.xlsx")
    return folder


def _rows(folder: Path, entity) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [row for page in ExcelDropClient(folder).extract(entity, Window()) for row in page]


def test_the_demo_rules_land_typed(tmp_path: Path) -> None:
    drop = _workbook(tmp_path / "drop")
    feedback = _rows(drop, FEEDBACK_RULES)
    assert [(r["rule_id"], r["event"], r["alert_rule_id"], r["role"]) for r in feedback] == [
        ("F1", "alert_task", "R3", None),
        ("F2", "crm_renewal_won", None, "account_owner"),
    ]
    assert [
        (r["template"], r["minutes"], r["cooldown_days"], r["source_row"]) for r in feedback
    ] == [
        ("技能缺口诊断问卷", 3, None, 2),
        ("成功经验萃取", 3, 30, 3),
    ]
    badges = _rows(drop, BADGE_RULES)
    assert [(r["badge_code"], r["level"], r["condition"]) for r in badges] == [
        ("equipment_translator", 1, "training_completed"),
        ("lean_pioneer", 1, "team_oee_streak"),
    ]
    assert badges[1]["share_of_shifts"] == 0.95
    assert badges[1]["weeks"] == 3


FB = "targets.xlsx, sheet 'feedback_rules',"
BD = "targets.xlsx, sheet 'badge_rules',"
# feedback_rules: A rule_id, D event, E alert_rule_id, F role, H minutes, J skill_code,
# M enabled, N cooldown_days; rows 2-3 are F1, F2. badge_rules: A badge_code, B level, C badge_name,
# E condition, F course_code, G share_of_shifts, H weeks; rows 2-3.
FEEDBACK_BREAKS = {
    "E2": "R9",
    "H2": "三",
    "A3": "F1",
    "F3": "team_lead",
    "J3": "Customer Success",
    "M3": "maybe",
    "N3": -7,
}
FEEDBACK_EXPECTED = [
    f"{FB} row 2, column E (alert_rule_id): unknown alert rule 'R9' (not in sheet 'alert_rules')",
    f"{FB} row 2, column H (minutes): '三' is not a number. Fix the cell and run again.",
    f"{FB} row 3, column A (rule_id): duplicate rule_id 'F1' (first in row 2)",
    f"{FB} row 3, column F (role): a crm_renewal_won event resolves only account_owner, "
    "not 'team_lead'",
    f"{FB} row 3, column J (skill_code): 'Customer Success': lowercase letters, digits and _ only",
    f"{FB} row 3, column M (enabled): 'maybe' is not true or false. Fix the cell and run again.",
    f"{FB} row 3, column N (cooldown_days): -7 is not a whole number of days >= 0",
]
BADGE_BREAKS = {
    "F2": None,
    "A3": "equipment_translator",
    "C3": "精益先锋",
    "G3": 1.5,
    "H3": 0,
}
BADGE_EXPECTED = [
    f"{BD} row 2, column F (course_code): course_code missing for a training_completed badge",
    f"{BD} row 3, column C (badge_name): '精益先锋': badge equipment_translator is named "
    "'设备语言翻译官' in row 2",
    f"{BD} row 3, column A (badge_code): duplicate badge_code + level "
    "'equipment_translator / 1' (first in row 2)",
    f"{BD} row 3, column G (share_of_shifts): 1.5 is not a share in (0, 1]",
    f"{BD} row 3, column H (weeks): 0 is not a positive whole number",
]


def test_a_feedback_sheet_from_before_the_cooldown_column_still_loads(tmp_path: Path) -> None:
    """A plant's workbook written before `cooldown_days` existed: the rules load, the
    column empty (dbt applies the 30-day default); another column missing is still named."""
    drop = _workbook(tmp_path / "drop")
    workbook = openpyxl.load_workbook(drop / "targets.xlsx")
    sheet = workbook["feedback_rules"]
    sheet.delete_cols(list(FEEDBACK_RULE_COLUMNS).index("cooldown_days") + 1)
    workbook.save(drop / "targets.xlsx")
    feedback = _rows(drop, FEEDBACK_RULES)
    assert [(r["rule_id"], r["template"], r["cooldown_days"]) for r in feedback] == [
        ("F1", "技能缺口诊断问卷", None),
        ("F2", "成功经验萃取", None),
    ]
    sheet.delete_cols(list(FEEDBACK_RULE_COLUMNS).index("template") + 1)
    workbook.save(drop / "targets.xlsx")
    with pytest.raises(Exception, match=r"row 1: missing column\(s\) template"):
        _rows(drop, FEEDBACK_RULES)


def test_every_bad_feedback_cell_is_named_at_once(tmp_path: Path) -> None:
    drop = _workbook(tmp_path / "drop", {"feedback_rules": FEEDBACK_BREAKS})
    with pytest.raises(RecognitionSheetError) as raised:
        _rows(drop, FEEDBACK_RULES)
    assert [str(problem) for problem in raised.value.problems] == FEEDBACK_EXPECTED


def test_every_bad_badge_cell_is_named_at_once(tmp_path: Path) -> None:
    drop = _workbook(tmp_path / "drop", {"badge_rules": BADGE_BREAKS})
    with pytest.raises(RecognitionSheetError) as raised:
        _rows(drop, BADGE_RULES)
    # sorted by row, then column letter: A before C before G
    assert sorted(str(problem) for problem in raised.value.problems) == sorted(BADGE_EXPECTED)
    assert [p.column for p in raised.value.problems] == ["F", "A", "C", "G", "H"]


def test_an_alert_task_rule_needs_its_alert_rule(tmp_path: Path) -> None:
    drop = _workbook(tmp_path / "drop", {"feedback_rules": {"E2": None, "D3": "renewal"}})
    with pytest.raises(RecognitionSheetError) as raised:
        _rows(drop, FEEDBACK_RULES)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{FB} row 2, column E (alert_rule_id): alert_rule_id missing for an alert_task rule",
        f"{FB} row 3, column D (event): 'renewal' is not one of alert_task, crm_renewal_won",
    ]


def test_check_config_prints_both_sheets_problems(tmp_path: Path) -> None:
    drop = _workbook(
        tmp_path / "drop",
        {"feedback_rules": FEEDBACK_BREAKS, "badge_rules": BADGE_BREAKS},
    )
    problems = check_targets(drop, echo=False)
    for expected in FEEDBACK_EXPECTED + BADGE_EXPECTED:
        assert expected in problems


def test_a_workbook_without_the_sheets_has_no_rules_and_warns(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    workbook = openpyxl.Workbook()
    workbook.active.title = "kpi_targets"
    workbook.save(drop / "targets.xlsx")
    client = ExcelDropClient(drop)
    assert [row for page in client.extract(BADGE_RULES, Window()) for row in page] == []
    assert client.warnings == [
        "targets.xlsx: no sheet 'badge_rules', so no badge rules apply (docs/recognition.md)"
    ]
