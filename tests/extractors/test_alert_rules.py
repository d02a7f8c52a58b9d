"""The alert_rules sheet of targets.xlsx (SPEC 8.1, docs/sources/excel.md#alert_rules): it
lands typed like the other target sheets, and a broken sheet is every bad cell named by
file, sheet, row and column, all at once."""

from __future__ import annotations

import shutil
from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner

from extractors._http.client import Window
from extractors.excel import ExcelDropClient
from extractors.excel.client import AlertRulesError
from extractors.excel.rules import Action, parse_actions, parse_channels
from extractors.excel.schema import ALERT_RULES
from perfchain.cli import main
from tests.extractors.support import extract, warehouse

# One break per kind of problem, each in its own cell (columns: A rule_id, F kpi_code,
# G comparator, H threshold, K level1_role, O channels, P actions, Q enabled; rows 2-5 are
# R1-R4), and the message each must give, in sheet order.
BREAKS = {
    "K2": "step_boss",
    "Q2": "maybe",
    "F3": "fpy",
    "G3": None,
    "H4": "三",
    "O4": "dingtalk,slack",
    "A5": "R2",
    "P5": "oa_task:account_owner",
}
WHERE = "targets.xlsx, sheet 'alert_rules',"
EXPECTED = [
    f"{WHERE} row 2, column K (level1_role): unknown role 'step_boss' (known: team_lead, "
    "supervisor, department_head, plant_manager, line_quality_engineer, production_planner, "
    "maintenance_lead, step_owner, account_owner, quality_manager)",
    f"{WHERE} row 2, column Q (enabled): 'maybe' is not true or false. Fix the cell and run again.",
    f"{WHERE} row 3, column F (kpi_code): unknown kpi_code 'fpy' (not in kpi_definitions)",
    f"{WHERE} row 3, column G (comparator): comparator missing for a kpi rule",
    f"{WHERE} row 4, column H (threshold): '三' is not a number. Fix the cell and run again.",
    f"{WHERE} row 4, column O (channels): channel 'slack' is not one of wecom, dingtalk, email",
    f"{WHERE} row 5, column A (rule_id): duplicate rule_id 'R2' (first in row 3)",
    f"{WHERE} row 5, column P (actions): action 'oa_task:account_owner' is not kind:role:template",
]


@pytest.fixture
def drop(demo_data, tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "drop"
    shutil.copytree(demo_data / "excel", folder)
    return folder


def _break(drop, cells):  # type: ignore[no-untyped-def]
    workbook = openpyxl.load_workbook(drop / "targets.xlsx")
    for cell, value in cells.items():
        workbook["alert_rules"][cell] = value
    workbook.save(drop / "targets.xlsx")


def test_the_demo_rules_land_typed(drop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    con = warehouse(tmp_path)
    run = extract(ExcelDropClient(drop), ALERT_RULES, con, tmp_path / "landing", date(2026, 1, 31))
    assert run.rows_quarantined == 0
    rows = con.execute(
        "select rule_id, condition, kpi_code, comparator, threshold, windows, enabled, "
        "ack_timeout_l1_minutes, source_row from raw.excel__alert_rules order by rule_id"
    ).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("R1", "order_step_late", None, ">"),
        ("R2", "kpi", "first_pass_yield", "<"),
        ("R3", "unplanned_stops", None, ">="),
        ("R4", "crm_case_opened", None, None),
    ]
    assert [float(r[4]) if r[4] is not None else None for r in rows] == [4.0, 0.925, 3.0, None]
    assert [r[5] for r in rows] == [1, 2, 1, 1]
    assert [r[6] for r in rows] == [True] * 4
    assert [r[7] for r in rows] == [1440] * 4
    assert [r[8] for r in rows] == [2, 3, 4, 5]


def test_every_problem_is_named_by_file_sheet_row_and_column(drop) -> None:  # type: ignore[no-untyped-def]
    _break(drop, BREAKS)
    with pytest.raises(AlertRulesError) as caught:
        list(ExcelDropClient(drop).extract(ALERT_RULES, Window()))
    got = [str(problem) for problem in caught.value.problems]
    assert got == EXPECTED
    assert str(caught.value).startswith(f"{len(EXPECTED)} problem(s) in the alert rules: ")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"D2": "plant"},
            "row 2, column D (scope_type): 'plant' is not one of machine, team, line, order, customer",
        ),
        (
            {"D4": "line"},
            "row 4, column D (scope_type): condition unplanned_stops is evaluated per machine, not per line",
        ),
        (
            {"E5": "case_opened"},
            "row 5, column E (condition): 'case_opened' is not kpi or one of order_step_late, unplanned_stops, crm_case_opened",
        ),
        ({"G3": "≤"}, "row 3, column G (comparator): '≤' is not one of < <= > >="),
        ({"I3": "minute"}, "row 3, column I (window): 'minute' is not one of hour, shift, day"),
        ({"J3": 0}, "row 3, column J (windows): 0 is not a positive whole number"),
        (
            {"L5": "boss"},
            "row 5, column L (cc_role): unknown role 'boss' (known: team_lead, supervisor, department_head, plant_manager, line_quality_engineer, production_planner, maintenance_lead, step_owner, account_owner, quality_manager)",
        ),
        (
            {"O5": "wecom,email:quality"},
            "row 5, column O (channels): channel 'email:quality': only wecom and dingtalk name a robot",
        ),
        (
            {"P3": "sms:team_lead:预警"},
            "row 3, column P (actions): action 'sms:team_lead:预警': kind 'sms' is not one of message, oa_task, email_task",
        ),
        (
            {"P3": "message:boss:预警"},
            "row 3, column P (actions): action 'message:boss:预警': role 'boss' is not a known role",
        ),
        ({"B2": None}, "row 2, column B (name): required, empty. Fix the cell and run again."),
        ({"F3": None}, "row 3, column F (kpi_code): kpi_code missing for a kpi rule"),
    ],
)
def test_each_kind_of_problem_has_its_message(drop, cells, expected) -> None:  # type: ignore[no-untyped-def]
    _break(drop, cells)
    with pytest.raises(AlertRulesError) as caught:
        list(ExcelDropClient(drop).extract(ALERT_RULES, Window()))
    assert [str(problem) for problem in caught.value.problems] == [f"{WHERE} {expected}"]


def test_a_robot_name_and_full_width_separators_are_read(drop) -> None:  # type: ignore[no-untyped-def]
    _break(drop, {"O3": "wecom:quality，dingtalk", "P5": "oa_task：account_owner：客诉响应；"})
    client = ExcelDropClient(drop)
    records = client.alert_rules(drop / "targets.xlsx", robots={"wecom": ["quality"]})
    assert parse_channels(records[1]["channels"]) == [("wecom", "quality"), ("dingtalk", None)]
    assert parse_actions(records[3]["actions"]) == [Action("oa_task", "account_owner", "客诉响应")]
    # A robot perfchain.yaml does not configure is named as such, by the extraction too.
    configured = ExcelDropClient(drop, robots={"wecom": ["plant"]})
    with pytest.raises(AlertRulesError) as caught:
        list(configured.extract(ALERT_RULES, Window()))
    assert [str(problem) for problem in caught.value.problems] == [
        f"{WHERE} row 3, column O (channels): robot 'quality' is not configured under "
        "alerts.wecom.robots in perfchain.yaml"
    ]


def test_check_config_reports_every_broken_rule_cell_at_once(drop, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.perfchain.test_cli import _config

    for key in ("CRM_CLIENT_ID", "CRM_CLIENT_SECRET", "ERP_APP_KEY", "ERP_APP_SECRET"):
        monkeypatch.setenv(f"PERFCHAIN_{key}", "x")
    monkeypatch.setenv("PERFCHAIN_CONFIG", _config(tmp_path, drop))
    ok = CliRunner().invoke(main, ["check-config", "--date", "2026-02-14"])
    assert ok.exit_code == 0, ok.output
    assert "alert_rules: 4 rows OK" in ok.output

    _break(drop, BREAKS)
    bad = CliRunner().invoke(main, ["check-config", "--date", "2026-02-14"])
    assert bad.exit_code == 2
    lines = [line.strip() for line in bad.output.splitlines() if "sheet 'alert_rules'" in line]
    assert lines == [f"✗ excel: {text}" for text in EXPECTED]
    assert f"{len(EXPECTED)} configuration problem(s)" in bad.output
    assert "Traceback" not in bad.output


def test_a_workbook_without_the_sheet_has_no_rules_and_says_so(drop, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.perfchain.test_cli import _config

    workbook = openpyxl.load_workbook(drop / "targets.xlsx")
    del workbook["alert_rules"]
    workbook.save(drop / "targets.xlsx")
    client = ExcelDropClient(drop)
    assert list(client.extract(ALERT_RULES, Window())) == [[]]
    assert client.warnings == [
        "targets.xlsx: no sheet 'alert_rules', so no alert rule is evaluated "
        "(docs/sources/excel.md)"
    ]
    for key in ("CRM_CLIENT_ID", "CRM_CLIENT_SECRET", "ERP_APP_KEY", "ERP_APP_SECRET"):
        monkeypatch.setenv(f"PERFCHAIN_{key}", "x")
    monkeypatch.setenv("PERFCHAIN_CONFIG", _config(tmp_path, drop))
    result = CliRunner().invoke(main, ["check-config", "--date", "2026-02-14"])
    assert result.exit_code == 0, result.output
    assert "alert_rules: 0 rows OK" in result.output
    assert "! excel: targets.xlsx: no sheet 'alert_rules'" in result.output
