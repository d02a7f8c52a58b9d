"""The Excel drop: the targets workbook lands typed; a bad cell names file, sheet, row, column."""

from __future__ import annotations

import json
import shutil
from datetime import date

import openpyxl
import pytest

from extractors.excel import (
    EXCEL_ENTITIES,
    DepartmentWorkbookError,
    ExcelCellError,
    ExcelDropClient,
)
from extractors.excel.departments import department_problems
from extractors.excel.schema import DEPARTMENT_ROWS, KPI_TARGETS, STAGE_WEIGHTS
from perfchain.core.errors import PerfchainError
from tests.extractors.support import extract, warehouse

DAY = date(2026, 1, 31)
START = date(2026, 1, 1)  # the demo dataset's first day, and history_start
LAST = date(2026, 2, 14)  # its last day
PRODUCTION = "生产部月度汇总.xlsx"


@pytest.fixture
def drop(demo_data, tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "drop"
    shutil.copytree(demo_data / "excel", folder)
    return folder


def _sheet_rows(path, sheet):  # type: ignore[no-untyped-def]
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = [row for row in workbook[sheet].iter_rows(values_only=True)][1:]
    workbook.close()
    return [row for row in rows if any(cell not in (None, "") for cell in row)]


def test_targets_workbook_lands_typed_with_every_row(drop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    con = warehouse(tmp_path)
    client = ExcelDropClient(drop, history_start=START)  # the generated months all pass
    for entity in EXCEL_ENTITIES:
        run = extract(client, entity, con, tmp_path / "landing", DAY)
        assert run.rows_quarantined == 0
    expected = _sheet_rows(drop / "targets.xlsx", "kpi_targets")
    got = con.execute(
        "select scope_code, kpi_code, target, red_threshold, source_row from raw.excel__kpi_targets "
        "order by source_row"
    ).fetchall()
    assert len(got) == len(expected)
    first = expected[0]
    assert (got[0][0], got[0][1], float(got[0][2]), float(got[0][3])) == (
        first[1],
        first[3],
        first[7],
        first[9],
    )
    weights = con.execute("select sum(weight) from raw.excel__stage_weights").fetchone()[0]
    assert float(weights) == pytest.approx(1.0)
    production = con.execute(
        "select cells from raw.excel__department_rows where source_file like '生产部%' and cells like '%焊装线A班%'"
    ).fetchall()
    assert production and "焊装线A班" in json.loads(production[0][0])


def test_a_bad_cell_is_named_by_file_sheet_row_and_column(drop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = drop / "targets.xlsx"
    workbook = openpyxl.load_workbook(path)
    workbook["kpi_targets"]["H5"] = "九十五"
    workbook.save(path)
    with pytest.raises(ExcelCellError) as caught:
        extract(ExcelDropClient(drop), KPI_TARGETS, warehouse(tmp_path), tmp_path / "landing", DAY)
    assert caught.value.location == ("targets.xlsx", "kpi_targets", 5, "H")
    assert "(target): '九十五' is not a number" in str(caught.value)


def test_weights_that_do_not_sum_to_one_are_refused(drop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = drop / "targets.xlsx"
    workbook = openpyxl.load_workbook(path)
    workbook["stage_weights"]["C2"] = 0.3
    workbook.save(path)
    with pytest.raises(PerfchainError, match="weights sum to 1.1000, not 1"):
        extract(
            ExcelDropClient(drop), STAGE_WEIGHTS, warehouse(tmp_path), tmp_path / "landing", DAY
        )


def test_department_workbooks_land_every_non_empty_row(drop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    con = warehouse(tmp_path)
    extract(ExcelDropClient(drop), DEPARTMENT_ROWS, con, tmp_path / "landing", DAY)
    expected = 0
    for path in drop.glob("*.xlsx"):
        if path.name == "targets.xlsx":
            continue
        workbook = openpyxl.load_workbook(path, read_only=True)
        for sheet in workbook.worksheets:
            expected += sum(
                1
                for row in sheet.iter_rows(values_only=True)
                if any(v not in (None, "") for v in row)
            )
        workbook.close()
    assert (
        con.execute("select count(*) from raw.excel__department_rows").fetchone()[0]
        == expected
        > 20
    )


def _edit(path, change):  # type: ignore[no-untyped-def]
    workbook = openpyxl.load_workbook(path)
    change(workbook)
    workbook.save(path)


def test_the_generated_department_workbooks_hold_every_month_and_header(drop) -> None:  # type: ignore[no-untyped-def]
    assert department_problems(drop, START, LAST) == []
    assert department_problems(drop, START, LAST, open_month_warns=False) == []
    # One month further the generated workbook lacks March: the open month, a warning.
    (march,) = department_problems(drop, START, date(2026, 3, 2))
    assert (march.file, march.sheet, march.warning) == (PRODUCTION, "2026年3月", True)


def test_a_missing_month_and_a_broken_header_fail_the_extraction_by_file_and_sheet(
    drop, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    def corrupt(workbook):  # type: ignore[no-untyped-def]
        del workbook["2026年1月"]
        workbook["2026年2月"]["C3"] = "良品"

    _edit(drop / PRODUCTION, corrupt)
    con = warehouse(tmp_path)
    client = ExcelDropClient(drop, history_start=START)
    with pytest.raises(DepartmentWorkbookError) as caught:
        extract(client, DEPARTMENT_ROWS, con, tmp_path / "landing", LAST)
    assert [(p.file, p.sheet, p.row, p.column) for p in caught.value.problems] == [
        (PRODUCTION, "2026年1月", None, None),
        (PRODUCTION, "2026年2月", 3, "C"),
    ]
    message = str(caught.value)
    assert (
        f"{PRODUCTION}, sheet '2026年1月': month sheet is missing (sheets found: '2026年2月')"
        in message
    )
    assert (
        f"{PRODUCTION}, sheet '2026年2月', row 3, column C: header '良品数' expected, found '良品'"
        in message
    )
    # Checked before the first page: nothing of the workbooks landed.
    assert not [path for path in (tmp_path / "landing").rglob("*") if path.is_file()]


def test_the_open_months_missing_sheet_lands_with_a_warning(drop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _edit(drop / PRODUCTION, lambda workbook: workbook.remove(workbook["2026年2月"]))
    con = warehouse(tmp_path)
    client = ExcelDropClient(drop, history_start=START)
    run = extract(client, DEPARTMENT_ROWS, con, tmp_path / "landing", LAST)
    assert run.rows_loaded > 20
    assert [path for path in (tmp_path / "landing").rglob("*") if path.is_file()]
    assert client.warnings == [
        f"{PRODUCTION}, sheet '2026年2月': the still-open month's sheet is missing "
        "(sheets found: '2026年1月')"
    ]
    # Once February is over, the same workbook fails the run dated in March.
    later = ExcelDropClient(drop, history_start=START)
    (tmp_path / "b").mkdir()
    with pytest.raises(DepartmentWorkbookError) as caught:
        extract(later, DEPARTMENT_ROWS, warehouse(tmp_path / "b"), tmp_path / "b", date(2026, 3, 1))
    assert [(p.sheet, p.warning) for p in caught.value.problems] == [("2026年2月", False)]
    assert later.warnings == [
        f"{PRODUCTION}, sheet '2026年3月': the still-open month's sheet is missing "
        "(sheets found: '2026年1月')"
    ]
