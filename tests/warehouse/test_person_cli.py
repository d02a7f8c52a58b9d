"""`perfchain person` and the personal card (SPEC 9.3, 9.6; reports/card.py): the card a user
reads, from the published file, as text, Excel and PDF in Chinese and English."""

from __future__ import annotations

import shutil
from datetime import date

import openpyxl
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner

from expectations.publish import publish
from expectations.results import GateResult
from perfchain.cli import main
from reports.card import CardNotFound, build_card, person_card
from tests.warehouse.conftest import Warehouse

JANUARY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def home(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("person-home")
    day = date(2026, 2, 14)
    publish(
        warehouse.path,
        home / "published" / "perfchain.duckdb",
        run_id="person-cli",
        data_through=day,
        gate=GateResult("person-cli", day, []),
    )
    return home


def _expected(warehouse: Warehouse, employee: str):  # type: ignore[no-untyped-def]
    with warehouse.connect() as con:
        goals = con.execute(
            "select kpi_code, weight, actual, target, attainment, score_contribution "
            'from marts.fct_employee_score_explained where employee_id = ? and "month" = ? '
            "order by weight desc, goal_id",
            [employee, JANUARY],
        ).fetchall()
        score = con.execute(
            "select score, contribution_points from marts.fct_employee_score "
            'where employee_id = ? and "month" = ?',
            [employee, JANUARY],
        ).fetchone()
    return goals, score


def test_the_card_holds_the_explained_rows_of_the_month(warehouse) -> None:  # type: ignore[no-untyped-def]
    employee = warehouse.planted["goals"]["card_employee"]
    goals, score = _expected(warehouse, employee)
    with warehouse.connect() as con:
        card = person_card(con, employee, date(2026, 1, 17))
    assert card.month == JANUARY
    assert [
        (g.kpi_code, g.weight, g.actual, g.target, g.attainment, g.score_contribution)
        for g in card.goals
    ] == goals
    assert [g.kpi_code for g in card.goals] == [
        "first_pass_yield",
        "rework_rate",
        "output_per_head",
    ]
    assert card.score == score[0] and card.contribution_points == float(score[1])
    assert employee in warehouse.planted["goals"]["employees"][card.team_id]


def test_a_month_without_goals_names_the_months_with_goals(warehouse) -> None:  # type: ignore[no-untyped-def]
    employee = warehouse.planted["goals"]["card_employee"]
    with (
        warehouse.connect() as con,
        pytest.raises(CardNotFound, match="months with goals: 2026-01"),
    ):
        person_card(con, employee, date(2025, 12, 1))


def test_perfchain_person_prints_the_card(warehouse, home, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PERFCHAIN_HOME", str(home))
    employee = warehouse.planted["goals"]["card_employee"]
    goals, score = _expected(warehouse, employee)
    result = CliRunner().invoke(main, ["person", employee, "--month", "2026-01"])
    assert result.exit_code == 0, result.output
    assert "员工个人绩效卡" in result.output and employee in result.output
    assert f"{score[0]:.4f}" in result.output
    assert "一次合格率" in result.output and "返工率" in result.output
    english = CliRunner().invoke(main, ["person", employee, "--month", "2026-01", "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert "Employee performance card" in english.output and "Rework rate" in english.output
    missing = CliRunner().invoke(main, ["person", "E999999", "--month", "2026-01"])
    assert missing.exit_code != 0 and "no employee 'E999999'" in missing.output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_card_as_excel_and_pdf(warehouse, tmp_path, lang) -> None:  # type: ignore[no-untyped-def]
    employee = warehouse.planted["goals"]["card_employee"]
    with warehouse.connect() as con:
        card = person_card(con, employee, JANUARY)
    xlsx, pdf = build_card(card, tmp_path, lang)
    assert xlsx.name == f"perfchain-card-{employee}-2026-01-{lang}.xlsx"
    sheet = openpyxl.load_workbook(xlsx).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert f"{card.score:.4f}" in cells
    document = pdfium.PdfDocument(str(pdf))
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    assert employee in text and f"{card.score:.4f}" in text
    assert ("员工个人绩效卡" if lang == "zh" else "Employee performance card") in text
    # Same card, same bytes: the workbook carries a fixed creation time.
    again = build_card(card, tmp_path / "again", lang)[0]
    assert again.read_bytes() == xlsx.read_bytes()


def test_check_config_refuses_a_binding_without_kpi_data_from_the_published_file(  # type: ignore[no-untyped-def]
    warehouse, home, tmp_path
) -> None:
    from perfchain.checkconfig import check_goal_bindings

    published = home / "published" / "perfchain.duckdb"
    drop = tmp_path / "drop"
    shutil.copytree(warehouse.data_dir / "excel", drop)
    assert check_goal_bindings(drop, published, echo=False) == []
    workbook = openpyxl.load_workbook(drop / "targets.xlsx")
    workbook["goal_tree"]["H4"] = "P01-XXX1-A"  # the first team's yield goal, a team nobody has
    workbook.save(drop / "targets.xlsx")
    assert check_goal_bindings(drop, published, echo=False) == [
        "targets.xlsx, sheet 'goal_tree', row 4, column H (scope_id): kpi_daily has no "
        "first_pass_yield for team P01-XXX1-A in the 30 days before 2026-01 (no such scope in "
        "kpi_daily)"
    ]
