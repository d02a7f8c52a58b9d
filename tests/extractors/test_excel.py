"""The Excel drop: the targets workbook lands typed; a bad cell names file, sheet, row, column."""

from __future__ import annotations

import json
import shutil
from datetime import date

import openpyxl
import pytest

from extractors.excel import EXCEL_ENTITIES, ExcelCellError, ExcelDropClient
from extractors.excel.schema import DEPARTMENT_ROWS, KPI_TARGETS, STAGE_WEIGHTS
from perfchain.errors import PerfchainError
from tests.extractors.support import extract, warehouse

DAY = date(2026, 1, 31)


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
    client = ExcelDropClient(drop)
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
