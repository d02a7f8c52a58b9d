"""The workbook, opened with openpyxl: sheets, heatmap values against the marts, colours,
links from red cells to their rows, frozen headers, formats, filters, languages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from reports.common.periods import period_window
from reports.common.style import STATUS_FILL
from reports.labels import kpi_label, label
from reports.workbook.build import HEATMAP_TOP, build_workbook
from tests.reports.expected import window_figures

SHEETS = [
    "overview", "kpi", "otd", "quality", "oee", "signals", "response", "contrib_dept", "contrib_emp",
    "reconciliation", "completion", "quality_gate",
]  # fmt: skip
FIRST_SCOPE_ROW = HEATMAP_TOP + 3  # 1-based: KPI names, actual/target, then scopes


@pytest.fixture(scope="module")
def books(published: Path, as_of: date, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("workbooks")
    with duckdb.connect(str(published), read_only=True) as con:
        paths = {
            (period, lang): build_workbook(con, as_of, lang, period, out_dir=out)
            for period, lang in (("week", "zh"), ("month", "zh"), ("day", "zh"), ("day", "en"))
        }
    return {key: openpyxl.load_workbook(path) for key, path in paths.items()}


def _heatmap(sheet: Worksheet, lang: str, con: duckdb.DuckDBPyConnection) -> dict:
    """(scope name, kpi code) -> value cell, from the front sheet."""
    codes = {
        kpi_label(code, lang): code
        for (code,) in con.execute("select distinct kpi_code from marts.kpi_daily").fetchall()
    }
    columns = {}
    for col in range(3, sheet.max_column + 1, 2):
        name = sheet.cell(HEATMAP_TOP + 1, col).value
        if name in codes:
            columns[col] = codes[name]
    cells = {}
    for row in range(FIRST_SCOPE_ROW, sheet.max_row + 1):
        scope = sheet.cell(row, 2).value
        if not scope or sheet.cell(row, 1).value == label("heatmap.red_cells", lang):
            break
        for col, code in columns.items():
            cells[(scope.strip(), code)] = sheet.cell(row, col)
    return cells


def _scope_names(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    names = {
        team: ("team", team_id)
        for team_id, team in con.execute("select team_id, team_name from marts.dim_team").fetchall()
    }
    names.update(
        {
            dept: ("department", dept_id)
            for dept_id, dept in con.execute(
                "select distinct department_id, department_name from marts.dim_employee"
            ).fetchall()
        }
    )
    names.update({f"全厂 {plant}": ("plant", plant) for plant in ("P01",)})
    return names


def test_sheets_in_order(books: dict) -> None:
    assert books[("week", "zh")].sheetnames == [label(f"sheet.{key}", "zh") for key in SHEETS]
    assert books[("day", "en")].sheetnames == [label(f"sheet.{key}", "en") for key in SHEETS]


@pytest.mark.parametrize("period", ["week", "month"])
def test_heatmap_values_equal_the_period_figures(
    books: dict, con, as_of: date, period: str
) -> None:  # type: ignore[no-untyped-def]
    """Additive KPIs = the window's daily numerators over its denominators; OEE from the
    summed components; response hours over the window's own signals."""
    window = period_window(as_of, period)
    sheet = books[(period, "zh")][label("sheet.overview", "zh")]
    cells = _heatmap(sheet, "zh", con)
    names = _scope_names(con)
    expected = window_figures(con, window.start, window.end)
    compared = 0
    for (scope_name, code), cell in cells.items():
        scope_type, scope_id = names[scope_name]
        want = expected.get((scope_type, scope_id, code))
        if want is None:
            assert cell.value == "—", (scope_name, code)
            continue
        assert cell.value == pytest.approx(want, abs=1e-6), (scope_name, code)  # 6 decimals
        assert cell.offset(column=1).value is not None  # the target beside the value
        compared += 1
    assert compared >= 20
    assert ("销售部", "otd_rate") in cells and ("全厂 P01", "oee") in cells


def test_day_colours_are_the_marts_status(books: dict, con, as_of: date) -> None:  # type: ignore[no-untyped-def]
    sheet = books[("day", "zh")][label("sheet.overview", "zh")]
    names = _scope_names(con)
    status = {
        (scope_type, scope_id, code): value
        for scope_type, scope_id, code, value in con.execute(
            "select scope_type, scope_id, kpi_code, status from marts.kpi_daily "
            "where kpi_date = ? and scope_type in ('plant', 'department', 'team')",
            [as_of],
        ).fetchall()
    }
    fills = {colour.lstrip("#").upper(): name for name, colour in STATUS_FILL.items()}
    seen = set()
    for (scope_name, code), cell in _heatmap(sheet, "zh", con).items():
        want = status.get((*names[scope_name], code))
        if want is None:
            continue
        assert fills[cell.fill.fgColor.rgb[-6:]] == want, (scope_name, code)
        seen.add(want)
    assert "red" in seen and "green" in seen


_LOCATION = re.compile(
    r"^'?(?P<sheet>[^'!]+)'?!\$?[A-Z]+\$?(?P<first>\d+):\$?[A-Z]+\$?(?P<last>\d+)$"
)


def test_every_red_cell_links_to_its_rows(books: dict, con) -> None:  # type: ignore[no-untyped-def]
    book = books[("week", "zh")]
    cells = _heatmap(book[label("sheet.overview", "zh")], "zh", con)
    names = _scope_names(con)
    red = [
        (key, cell)
        for key, cell in cells.items()
        if cell.fill.fgColor.rgb[-6:] == STATUS_FILL["red"].lstrip("#").upper()
    ]
    assert red, "the demo factory has red cells (OTD below target)"
    for (scope_name, code), cell in red:
        assert cell.hyperlink is not None, (scope_name, code)
        match = _LOCATION.match(cell.hyperlink.location)
        assert match, cell.hyperlink.location
        target = book[match["sheet"]]
        first, last = int(match["first"]), int(match["last"])
        assert first <= last <= target.max_row
        scope_type, scope_id = names[scope_name]
        keys = {target.cell(row, 1).value for row in range(first, last + 1)}
        if scope_type == "department":
            teams = {
                f"team:{team}"
                for (team,) in con.execute(
                    "select team_id from marts.dim_team where department_id = ?", [scope_id]
                ).fetchall()
            }
            assert keys <= teams | {f"department:{scope_id}"}, keys
        elif scope_type == "team":
            assert keys == {f"team:{scope_id}"}, keys


def test_otd_sheet_holds_the_late_orders_behind_the_rate(books: dict, con, as_of: date) -> None:  # type: ignore[no-untyped-def]
    window = period_window(as_of, "week")
    (late,) = con.execute(
        "select sum(denominator - numerator)::integer from marts.kpi_daily "
        "where scope_type = 'plant' and kpi_code = 'otd_rate' and kpi_date between ? and ?",
        [window.start, window.end],
    ).fetchone()
    sheet = books[("week", "zh")][label("sheet.otd", "zh")]
    kinds = [sheet.cell(row, 3).value for row in range(4, sheet.max_row + 1)]
    listed = sum(kind in (label("otd.late", "zh"), label("otd.past_due", "zh")) for kind in kinds)
    assert late > 0 and listed == late
    orders = {sheet.cell(row, 2).value for row in range(4, sheet.max_row + 1)}
    (in_mart,) = con.execute(
        "select count(*) from marts.fct_order_delivery where order_id in "
        f"({', '.join('?' * len(orders))}) and not is_on_time",
        list(orders),
    ).fetchone()
    assert in_mart == len(orders)


def test_detail_sheets_are_frozen_filtered_and_formatted(books: dict) -> None:
    book = books[("week", "zh")]
    for key in SHEETS[1:-1]:
        sheet = book[label(f"sheet.{key}", "zh")]
        assert sheet.freeze_panes is not None and sheet.freeze_panes.endswith("4"), key
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A3"), key
        assert sheet.cell(3, 1).font.b, key
        assert any((dim.width or 0) > 10 for dim in sheet.column_dimensions.values()), key
    otd = book[label("sheet.otd", "zh")]
    assert otd.cell(4, 6).number_format == "yyyy-mm-dd"
    assert otd.cell(4, 17).number_format == "#,##0.00"
    quality = book[label("sheet.quality", "zh")]
    assert quality.cell(3, 15).value == label("col.first_pass_yield", "zh")
    fpy = [quality.cell(row, 15) for row in range(4, quality.max_row + 1)]
    assert all(cell.number_format == "0.0%" for cell in fpy)
    assert any(isinstance(cell.value, float) for cell in fpy)
    overview = book[label("sheet.overview", "zh")]
    assert overview.freeze_panes == f"C{FIRST_SCOPE_ROW}"
    assert overview.cell(FIRST_SCOPE_ROW, 3).number_format == "0.0%"


def test_data_quality_sheet_shows_the_gate_summary(books: dict, as_of: date) -> None:
    """From the published file alone: its publish log holds the warning (conftest.py);
    no logs directory exists."""
    sheet = books[("week", "zh")][label("sheet.quality_gate", "zh")]
    lines = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    assert (
        f"Quality gate PASSED for data through {as_of} (run reports-test): 1/2 checks passed, "
        "0 blocking failure(s), 1 warning(s)."
    ) in lines
    assert (
        "- fct_oee_shift.performance_in_range [warning]: performance above 100 % means a "
        "wrong ideal cycle time"
    ) in lines
    assert "    observed: 3 of 120 rows unexpected" in lines
    assert "    row: machine_id=M07, performance=1.31" in lines
    overview = books[("week", "zh")][label("sheet.overview", "zh")]
    assert overview.cell(5, 1).value == label("dq.warned", "zh")


def test_english_workbook_has_english_labels(books: dict) -> None:
    book = books[("day", "en")]
    overview = book[label("sheet.overview", "en")]
    assert overview.cell(1, 1).value.startswith("Performance report · Daily")
    assert overview.cell(HEATMAP_TOP + 1, 3).value == "OTD"
    headers = [cell.value for cell in book[label("sheet.otd", "en")][3]]
    assert "Promised date" in headers
    assert not any(re.search(r"[\u4e00-\u9fff]", str(value)) for value in headers if value)


def test_month_complaint_rate_counts_every_complaint_the_signal_sheet_lists(
    published: Path, con, as_of: date, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """SPEC 5.6: a month's complaint rate = complaints opened in the month / orders
    delivered in it, counted from the facts, complaints on days without a delivery
    included; the signal sheet of the same drop lists exactly those complaints. The drop is
    for the last month with such a complaint (the demo has one), else the as-of month."""
    lonely_days = con.execute(
        "select signal.signal_date from marts.fct_signal_response as signal "
        "where signal.is_complaint and signal.signal_date <= ? "
        "and not exists (select 1 from marts.fct_order_delivery as delivery "
        "where delivery.is_delivered and delivery.delivered_date = signal.signal_date) "
        "order by 1 desc",
        [as_of],
    ).fetchall()
    day = as_of
    if lonely_days:
        lonely = lonely_days[0][0]
        following = (lonely.replace(day=28) + timedelta(days=4)).replace(day=1)
        day = min(as_of, following - timedelta(days=1))
    window = period_window(day, "month")
    bounds = [window.start, window.end]
    (complaints, on_delivery_days) = con.execute(
        "select count(*), count(*) filter (where exists (select 1 "
        "from marts.fct_order_delivery as delivery where delivery.is_delivered "
        "and delivery.delivered_date = signal.signal_date)) "
        "from marts.fct_signal_response as signal "
        "where signal.is_complaint and signal.signal_date between ? and ?",
        bounds,
    ).fetchone()
    (delivered,) = con.execute(
        "select count(*) from marts.fct_order_delivery "
        "where is_delivered and delivered_date between ? and ?",
        bounds,
    ).fetchone()
    assert complaints > 0 and delivered > 0
    assert on_delivery_days < complaints or not lonely_days
    with duckdb.connect(str(published), read_only=True) as reader:
        path = build_workbook(reader, day, "zh", "month", out_dir=tmp_path)
    book = openpyxl.load_workbook(path)
    cell = _heatmap(book[label("sheet.overview", "zh")], "zh", con)[("全厂 P01", "complaint_rate")]
    assert cell.value == pytest.approx(complaints / delivered, abs=1e-6)
    if lonely_days:
        # Adding up only the days that had deliveries would have missed the lonely complaint.
        assert cell.value != pytest.approx(on_delivery_days / delivered, abs=1e-6)
    sheet = book[label("sheet.signals", "zh")]
    header = [sheet.cell(3, col).value for col in range(1, sheet.max_column + 1)]
    column = header.index(label("col.is_complaint", "zh")) + 1
    listed = sum(
        sheet.cell(row, column).value == label("value.yes", "zh")
        for row in range(4, sheet.max_row + 1)
    )
    assert listed == complaints
