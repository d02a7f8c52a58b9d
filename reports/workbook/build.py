"""The morning workbook: KPI health heatmap in front, one evidence sheet per subject.

Every red heatmap cell is a hyperlink to the block of rows behind it on its evidence
sheet (the rows are sorted so each team's and department's rows are contiguous), and the
red-cell list under the heatmap repeats the filter key for people who prefer the filter.
"""

import json
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from reports.common import queries
from reports.common.periods import Period, period_window
from reports.common.quality import GateNote, gate_note
from reports.common.style import excel_format, value_kind
from reports.labels import Lang, check_lang, kpi_label, label, optional_label
from reports.workbook.tables import Column, Formats, TableRange, text_width, write_table

# Which evidence sheet holds the rows behind a KPI; KPIs not listed link to the KPI detail.
EVIDENCE_SHEET = {
    "otd_rate": "otd",
    "complaint_rate": "signals",
    "response_hours_median": "signals",
    "response_hours_p90": "signals",
    "auto_trigger_share": "signals",
    "first_pass_yield": "quality",
    "rework_rate": "quality",
    "downtime_rate": "quality",
    "output_per_head": "quality",
    "oee": "oee",
    "availability": "oee",
    "performance": "oee",
    "quality_rate": "oee",
}
HEATMAP_TOP = 6  # row of the KPI names; "actual / target" below it, scopes from +2


def workbook_name(as_of: date, lang: str, period: str) -> str:
    return f"perfchain-{period}-{as_of.isoformat()}-{lang}.xlsx"


def build_workbook(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    lang: str = "zh",
    period: str = "day",
    *,
    out_dir: Path | None = None,
    tz: str = "Asia/Shanghai",
) -> Path:
    """Write the workbook for the window ending `as_of`; return its path.

    `con` is a read-only connection to the published file. Without `out_dir` the file goes
    to a new temporary directory."""
    lang_ = check_lang(lang)
    window = period_window(as_of, period)
    q = queries.Query(con, window, lang_, tz)
    folder = out_dir or Path(tempfile.mkdtemp(prefix="perfchain-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / workbook_name(as_of, lang_, period)
    book = xlsxwriter.Workbook(str(path), {"strings_to_urls": False, "constant_memory": False})
    try:
        _write(book, q, gate_note(con))
    finally:
        book.close()
    return path


def _write(book: xlsxwriter.Workbook, q: queries.Query, note: GateNote) -> None:
    lang = q.lang
    formats = Formats(book)
    book.set_properties(
        {"title": f"{label('report.title', lang)} {q.period.as_of}", "author": "perfchain"}
    )
    overview = book.add_worksheet(label("sheet.overview", lang))
    cells = queries.heatmap_cells(q)
    evidence = {
        "kpi": _kpi_sheet(book, formats, q),
        "otd": _otd_sheet(book, formats, q),
        "quality": _quality_sheet(book, formats, q),
        "oee": _oee_sheet(book, formats, q),
        "signals": _signals_sheet(book, formats, q),
    }
    _response_sheet(book, formats, q)
    _contribution_sheets(book, formats, q)
    _reconciliation_sheet(book, formats, q)
    _completion_sheet(book, formats, q)
    _quality_gate_sheet(book, formats, q, note)
    _overview(overview, formats, q, cells, evidence, note)
    overview.activate()


# Front sheet ------------------------------------------------------------------------------


def _overview(
    sheet: Worksheet,
    formats: Formats,
    q: queries.Query,
    cells: pd.DataFrame,
    evidence: dict[str, tuple[str, TableRange]],
    note: GateNote,
) -> None:
    lang = q.lang
    sheet.hide_gridlines(2)
    sheet.write(0, 0, _title(q), formats.title)
    sheet.write(1, 0, _subtitle(q), formats.note)
    sheet.write(2, 0, label("heatmap.legend", lang), formats.get("text"))
    sheet.write(3, 0, label("heatmap.rollup", lang), formats.note)
    if note.has_issues:
        sheet.write(4, 0, label("dq.warned", lang), formats.get("text", font_color="#9C0006"))
    sheet.merge_range(
        HEATMAP_TOP, 0, HEATMAP_TOP + 1, 0, label("heatmap.level", lang), formats.header
    )
    sheet.merge_range(
        HEATMAP_TOP, 1, HEATMAP_TOP + 1, 1, label("heatmap.scope", lang), formats.header
    )
    codes = queries.kpi_columns(cells)
    names = cells.groupby("kpi_code")[["kpi_name", "kpi_name_en"]].first()
    for index, code in enumerate(codes):
        col = 2 + 2 * index
        mart_name = names.loc[code, "kpi_name" if lang == "zh" else "kpi_name_en"]
        sheet.merge_range(
            HEATMAP_TOP,
            col,
            HEATMAP_TOP,
            col + 1,
            kpi_label(code, lang, mart_name),
            formats.header,
        )
        sheet.write(HEATMAP_TOP + 1, col, label("heatmap.actual", lang), formats.header)
        sheet.write(HEATMAP_TOP + 1, col + 1, label("heatmap.target", lang), formats.header)
        sheet.set_column(col, col, 10)
        sheet.set_column(col + 1, col + 1, 7)
    sheet.set_row(HEATMAP_TOP, 30)
    by_cell = {(r.scope_type, r.scope_id, r.kpi_code): r for r in cells.itertuples()}
    scopes = queries.heatmap_scopes(q, cells)
    red: list[dict[str, Any]] = []
    row = HEATMAP_TOP + 1
    name_width = 12
    for row, scope in enumerate(scopes.itertuples(), start=HEATMAP_TOP + 2):
        level = label(f"level.{scope.scope_type}", lang)
        name = _scope_name(scope, lang)
        indent = 1 if scope.scope_type == "team" else 0
        bold = scope.scope_type != "team"
        sheet.write(row, 0, level, formats.get("text", bold=bold))
        sheet.write(row, 1, name, formats.get("text", bold=bold, indent=indent))
        name_width = max(name_width, text_width(name) + 2 * indent + 2)
        for index, code in enumerate(codes):
            col = 2 + 2 * index
            cell = by_cell.get((scope.scope_type, scope.scope_id, code))
            if cell is None or cell.value is None or pd.isna(cell.value):
                sheet.write(
                    row,
                    col,
                    label("heatmap.no_data", lang),
                    formats.get("text", align="center", font_color="#A0A0A0"),
                )
                sheet.write_blank(row, col + 1, None, formats.get("text"))
                continue
            kind = value_kind(code, cell.unit)
            value_format = _kpi_format(formats, kind, cell.status)
            target_format = _target_format(formats, kind)
            if cell.status == "red":
                link = _evidence_link(code, scope.scope_type, scope.scope_id, evidence, lang)
                red.append({"scope": scope, "name": name, "cell": cell, "link": link})
                if link is not None:
                    sheet.write_url(row, col, link.url, value_format, tip=link.tip)
            sheet.write_number(row, col, float(cell.value), value_format)
            if cell.target is not None and not pd.isna(cell.target):
                sheet.write_number(row, col + 1, float(cell.target), target_format)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, name_width)
    sheet.freeze_panes(HEATMAP_TOP + 2, 2)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEATMAP_TOP, HEATMAP_TOP + 1)
    _red_cell_list(sheet, formats, q, row + 2, red)


class _Link:
    def __init__(self, sheet_name: str, first: int, last: int, columns: int, key: str, lang: Lang):
        self.sheet_name = sheet_name
        self.key = key
        start = xl_rowcol_to_cell(first, 0)
        end = xl_rowcol_to_cell(last, max(columns - 1, 0))
        self.url = f"internal:'{sheet_name}'!{start}:{end}"
        self.tip = label(
            "heatmap.link_note", lang, sheet=sheet_name, first=first + 1, last=last + 1
        )


def _evidence_link(
    code: str,
    scope_type: str,
    scope_id: str,
    evidence: dict[str, tuple[str, TableRange]],
    lang: Lang,
) -> _Link | None:
    """The rows behind a red cell: the scope's block on the KPI's evidence sheet; the whole
    table for the plant; else the KPI detail rows of that scope and KPI."""
    candidates = [
        (EVIDENCE_SHEET.get(code), f"{scope_type}:{scope_id}"),
        ("kpi", f"{scope_type}:{scope_id}:{code}"),
    ]
    for sheet_key, key in candidates:
        if sheet_key is None:
            continue
        sheet_name, table = evidence[sheet_key]
        if scope_type == "plant" and sheet_key != "kpi" and table.last_row > table.header_row:
            return _Link(sheet_name, table.first_row, table.last_row, table.columns, "plant", lang)
        if key in table.blocks:
            first, last = table.blocks[key]
            return _Link(sheet_name, first, last, table.columns, key, lang)
    return None


def _red_cell_list(
    sheet: Worksheet, formats: Formats, q: queries.Query, top: int, red: list[dict[str, Any]]
) -> None:
    """Below the heatmap, on its column grid: each red cell with its link and filter key."""
    lang = q.lang
    sheet.write(
        top, 0, label("heatmap.red_cells", lang), formats.get("text", bold=True, font_size=12)
    )
    if not red:
        sheet.write(top + 1, 0, label("brief.none", lang), formats.note)
        return
    spans = [  # header label, first column, last column
        ("col.scope_type", 0, 0),
        ("col.team", 1, 1),
        ("col.kpi", 2, 3),
        ("col.value", 4, 4),
        ("col.target", 5, 5),
        ("col.detail", 6, 8),
        ("col.scope_key", 9, 11),
    ]
    for key, first, last in spans:
        _span(sheet, top + 1, first, last, label(key, lang), formats.header)
    for row, item in enumerate(red, start=top + 2):
        cell, link = item["cell"], item["link"]
        kind = value_kind(cell.kpi_code, cell.unit)
        mart_name = cell.kpi_name if lang == "zh" else cell.kpi_name_en
        text = formats.get("text")
        sheet.write(row, 0, label(f"level.{item['scope'].scope_type}", lang), text)
        sheet.write(row, 1, item["name"], text)
        _span(sheet, row, 2, 3, kpi_label(cell.kpi_code, lang, mart_name), text)
        sheet.write_number(row, 4, float(cell.value), _kpi_format(formats, kind, "red"))
        sheet.write_number(row, 5, float(cell.target), _target_format(formats, kind))
        if link is not None:
            sheet.merge_range(row, 6, row, 8, "", formats.link)
            sheet.write_url(row, 6, link.url, formats.link, string=link.tip)
            _span(sheet, row, 9, 11, link.key, text)


def _span(sheet: Worksheet, row: int, first: int, last: int, text: str, cell_format: Any) -> None:
    if first == last:
        sheet.write(row, first, text, cell_format)
    else:
        sheet.merge_range(row, first, row, last, text, cell_format)


def _kpi_format(formats: Formats, kind: str, status: str | None) -> Any:
    return formats.get(f"kpi-{kind}", status=status, num_format=excel_format(kind), align="center")


def _target_format(formats: Formats, kind: str) -> Any:
    return formats.get(
        f"target-{kind}", num_format=excel_format(kind), font_color="#6B7280", align="center"
    )


def _title(q: queries.Query) -> str:
    lang = q.lang
    return (
        f"{label('report.title', lang)} · {label(f'period.{q.period.kind}', lang)} "
        f"{q.period.as_of.isoformat()}"
    )


def _subtitle(q: queries.Query) -> str:
    lang, period = q.lang, q.period
    publish = queries.latest_publish(q.con)
    through = str(publish["data_through"]) if publish else "—"
    generated = datetime.now(ZoneInfo(q.tz)).strftime("%Y-%m-%d %H:%M")
    return (
        f"{label('period.window', lang)}: {period.start} – {period.end} "
        f"({label(f'period.{period.kind}.note', lang)})   "
        f"{label('meta.data_through', lang)}: {through}   "
        f"{label('meta.generated', lang)}: {generated} ({label('meta.plant_time', lang)})"
    )


def _scope_name(scope: Any, lang: Lang) -> str:
    if scope.scope_type == "plant":
        return f"{label('level.plant', lang)} {scope.scope_id}"
    return str(scope.name)


# Evidence sheets --------------------------------------------------------------------------


def _sheet_with_note(
    book: xlsxwriter.Workbook, formats: Formats, q: queries.Query, key: str, note: str
) -> Worksheet:
    sheet = book.add_worksheet(label(f"sheet.{key}", q.lang))
    # Printed or exported, a sheet is as wide as the page and repeats its header row.
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(2)
    sheet.write(
        0,
        0,
        f"{label(f'sheet.{key}', q.lang)} · {q.period.start} – {q.period.end}",
        formats.get("text", bold=True, font_size=13),
    )
    sheet.write(1, 0, note, formats.note)
    return sheet


def _scope_blocks(record: dict[str, Any]) -> list[str]:
    keys = [str(record["scope_key"])]
    if record.get("department_id"):
        keys.append(f"department:{record['department_id']}")
    return keys


def _translator(prefix: str, lang: Lang) -> Any:
    return lambda value: optional_label(f"{prefix}.{value}", lang, str(value))


def _kpi_sheet(
    book: xlsxwriter.Workbook, formats: Formats, q: queries.Query
) -> tuple[str, TableRange]:
    lang = q.lang
    frame = queries.kpi_detail(q)
    frame["scope_key"] = frame["scope_key"] + ":" + frame["kpi_code"]
    sheet = _sheet_with_note(book, formats, q, "kpi", label("note.kpi", lang))
    columns = [
        Column("scope_key", "col.scope_key"),
        Column("kpi_date", "col.kpi_date", "date"),
        Column("scope_type", "col.scope_type", translate=_translator("level", lang)),
        Column("scope_id", "col.scope_id"),
        Column("kpi_name", "col.kpi"),
        Column("value", "col.value", "ratio"),
        Column("numerator", "col.numerator", "qty"),
        Column("denominator", "col.denominator", "qty"),
        Column("target", "col.target", "ratio"),
        Column("status", "col.status", translate=_translator("status", lang)),
    ]
    table = write_table(
        sheet,
        formats,
        frame,
        columns,
        lang,
        freeze_columns=2,
        block_keys=lambda record: [str(record["scope_key"])],
    )
    # Values in KPI units: percent for shares, hours for response times.
    for offset, record in enumerate(frame.itertuples(), start=table.first_row):
        kind = value_kind(record.kpi_code, record.unit)
        for col, value in ((5, record.value), (8, record.target)):
            if value is not None and not pd.isna(value):
                sheet.write_number(
                    offset,
                    col,
                    float(value),
                    formats.get(kind, status=record.status if col == 5 else None),
                )
    return sheet.name, table


def _otd_sheet(
    book: xlsxwriter.Workbook, formats: Formats, q: queries.Query
) -> tuple[str, TableRange]:
    lang = q.lang
    frame = queries.otd_orders(q)
    sheet = _sheet_with_note(
        book, formats, q, "otd", label("note.otd", lang, days=queries.AT_RISK_DAYS)
    )
    columns = [
        Column("scope_key", "col.scope_key"),
        Column("order_id", "col.order_id"),
        Column("otd_kind", "col.otd_status", translate=_translator("otd", lang)),
        Column("customer_name", "col.customer"),
        Column("salesperson", "col.salesperson"),
        Column("promised_date", "col.promised_date", "date"),
        Column("first_committed_date", "col.first_committed_date", "date"),
        Column("customer_change_count", "col.customer_changes", "int"),
        Column("plant_change_count", "col.plant_changes", "int"),
        Column("ordered_qty", "col.ordered_qty", "qty"),
        Column("signed_qty", "col.signed_qty", "qty"),
        Column("net_invoiced_qty", "col.invoiced_qty", "qty"),
        Column("first_signed_at", "col.first_signed_at", "datetime"),
        Column("last_invoiced_at", "col.last_invoiced_at", "datetime"),
        Column("delivered_at", "col.delivered_at", "datetime"),
        Column("days_late", "col.days_late", "int"),
        Column("net_amount_cny", "col.net_amount", "money"),
    ]
    table = write_table(
        sheet, formats, frame, columns, lang, freeze_columns=2, block_keys=_scope_blocks
    )
    _status_rows(
        sheet,
        formats,
        table,
        frame["otd_kind"].tolist(),
        2,
        {"late": "yellow", "past_due": "red", "at_risk": "yellow"},
        lang,
    )
    return sheet.name, table


def _status_rows(
    sheet: Worksheet,
    formats: Formats,
    table: TableRange,
    kinds: list[str],
    col: int,
    colours: dict[str, str],
    lang: Lang,
) -> None:
    """Colour the status column so late and past-due orders stand out."""
    for row, kind in enumerate(kinds, start=table.first_row):
        sheet.write_string(
            row,
            col,
            optional_label(f"otd.{kind}", lang, kind),
            formats.get("text", status=colours.get(kind)),
        )


def _quality_sheet(
    book: xlsxwriter.Workbook, formats: Formats, q: queries.Query
) -> tuple[str, TableRange]:
    lang = q.lang
    frame = queries.team_quality_rows(q)
    sheet = _sheet_with_note(book, formats, q, "quality", label("note.quality", lang))
    columns = [
        Column("scope_key", "col.scope_key"),
        Column("team_name", "col.team"),
        Column("line_id", "col.line_id"),
        Column("hour_date", "col.date", "date"),
        Column("hour_of_day", "col.hour", "int"),
        Column("produced_qty", "col.produced_qty", "qty"),
        Column("good_qty", "col.good_qty", "qty"),
        Column("first_inspected_qty", "col.first_inspected_qty", "qty"),
        Column("first_passed_qty", "col.first_passed_qty", "qty"),
        Column("reworked_qty", "col.reworked_qty", "qty"),
        Column("planned_production_minutes", "col.planned_minutes", "minutes"),
        Column("unplanned_downtime_minutes", "col.downtime_minutes", "minutes"),
        Column("standard_hours_earned", "col.standard_hours", "hours"),
        Column("attended_hours", "col.attended_hours", "hours"),
        Column("first_pass_yield", "col.first_pass_yield", "percent"),
        Column("rework_rate", "col.rework_rate", "percent"),
        Column("downtime_rate", "col.downtime_rate", "percent"),
        Column("output_per_head", "col.output_per_head", "ratio"),
        Column("is_line_threshold_breached", "col.line_breach", "bool"),
    ]
    return sheet.name, write_table(
        sheet, formats, frame, columns, lang, freeze_columns=2, block_keys=_scope_blocks
    )


def _oee_sheet(
    book: xlsxwriter.Workbook, formats: Formats, q: queries.Query
) -> tuple[str, TableRange]:
    lang = q.lang
    frame = queries.oee_rows(q)
    sheet = _sheet_with_note(book, formats, q, "oee", label("note.oee", lang))
    columns = [
        Column("scope_key", "col.scope_key"),
        Column("line_id", "col.line_id"),
        Column("machine_id", "col.machine_id"),
        Column("machine_name", "col.machine"),
        Column("shift_date", "col.shift_date", "date"),
        Column("shift_code", "col.shift_code"),
        Column("planned_busy_minutes", "col.planned_busy_minutes", "minutes"),
        Column("unplanned_downtime_minutes", "col.downtime_minutes", "minutes"),
        Column("run_minutes", "col.run_minutes", "minutes"),
        Column("ideal_minutes", "col.ideal_minutes", "minutes"),
        Column("produced_qty", "col.produced_qty", "qty"),
        Column("good_qty", "col.good_qty", "qty"),
        Column("availability", "col.availability", "percent"),
        Column("performance", "col.performance", "percent"),
        Column("quality", "col.quality", "percent"),
        Column("oee", "col.oee", "percent"),
    ]
    return sheet.name, write_table(
        sheet, formats, frame, columns, lang, freeze_columns=3, block_keys=_scope_blocks
    )


def _signals_sheet(
    book: xlsxwriter.Workbook, formats: Formats, q: queries.Query
) -> tuple[str, TableRange]:
    lang = q.lang
    frame = queries.signals(q)
    sheet = _sheet_with_note(book, formats, q, "signals", label("note.signals", lang))
    columns = [
        Column("signal_id", "col.signal_id"),
        Column("signal_type", "col.signal_type"),
        Column("case_number", "col.case_number"),
        Column("is_complaint", "col.is_complaint", "bool"),
        Column("is_escalated", "col.is_escalated", "bool"),
        Column("priority", "col.priority"),
        Column("customer_id", "col.customer"),
        Column("order_id", "col.order_id"),
        Column("line_id", "col.line_id"),
        Column("signal_at", "col.signal_at", "datetime"),
        Column("first_action_at", "col.first_action_at", "datetime"),
        Column("first_action_type", "col.first_action_type"),
        Column("response_hours", "col.response_hours", "hours"),
        Column("is_auto_triggered", "col.auto_triggered", "bool"),
    ]
    return sheet.name, write_table(
        sheet, formats, frame, columns, lang, block_keys=lambda record: ["plant"]
    )


def _response_sheet(book: xlsxwriter.Workbook, formats: Formats, q: queries.Query) -> None:
    """Response speed per month (SPEC 5.5, 8.5): kpi_period's month figures."""
    lang = q.lang
    frame = queries.response_by_month(q)
    sheet = _sheet_with_note(book, formats, q, "response", label("note.response", lang))
    columns = [
        Column("month", "col.month"),
        Column("month_end", "col.month_end", "date"),
        Column("signals_raised", "col.signals_raised", "int"),
        Column("signals_answered", "col.signals_answered", "int"),
        Column("response_hours_median", "col.response_median", "hours"),
        Column("response_hours_p90", "col.response_p90", "hours"),
        Column("auto_trigger_share", "col.auto_share", "percent"),
    ]
    write_table(sheet, formats, frame, columns, lang)


def _contribution_sheets(book: xlsxwriter.Workbook, formats: Formats, q: queries.Query) -> None:
    lang = q.lang
    unattributed = label("col.unattributed", lang)
    departments = queries.contribution_by_department(q)
    departments["department_name"] = departments["department_name"].fillna(unattributed)
    sheet = _sheet_with_note(book, formats, q, "contrib_dept", label("note.contribution", lang))
    write_table(
        sheet,
        formats,
        departments,
        [
            Column("department_name", "col.department"),
            Column("points", "col.points", "points"),
            Column("share", "col.share", "percent"),
            Column("orders", "col.orders", "int"),
            Column("employees", "col.employee", "int"),
        ],
        lang,
    )
    employees = queries.contribution_by_employee(q)
    employees["employee_name"] = employees["employee_name"].fillna(unattributed)
    employees["department_name"] = employees["department_name"].fillna(unattributed)
    employees["stages"] = employees["stages"].map(
        lambda stages: ", ".join(
            optional_label(f"stage.{stage}", lang, stage) for stage in str(stages).split(", ")
        )
    )
    sheet = _sheet_with_note(book, formats, q, "contrib_emp", label("note.contribution", lang))
    write_table(
        sheet,
        formats,
        employees,
        [
            Column("employee_id", "col.employee_id"),
            Column("employee_name", "col.employee"),
            Column("department_name", "col.department"),
            Column("points", "col.points", "points"),
            Column("orders", "col.orders", "int"),
            Column("stages", "col.stages"),
        ],
        lang,
        freeze_columns=2,
    )


def _reconciliation_sheet(book: xlsxwriter.Workbook, formats: Formats, q: queries.Query) -> None:
    lang = q.lang
    sheet = _sheet_with_note(book, formats, q, "reconciliation", label("note.reconciliation", lang))
    write_table(
        sheet,
        formats,
        queries.reconciliation_disputes(q),
        [
            Column("order_id", "col.order_id"),
            Column("customer_name", "col.customer"),
            Column("promised_date", "col.promised_date", "date"),
            Column(
                "reconciliation_status",
                "col.reconciliation_status",
                translate=_translator("recon", lang),
            ),
            Column("delivered_at", "col.delivered_at", "datetime"),
            Column("sales_completed_at", "col.sales_completed_at", "datetime"),
            Column("shipped_at", "col.shipped_at", "datetime"),
            Column("paid_at", "col.paid_at", "datetime"),
            Column("sales_days_vs_anchor", "col.sales_days", "int"),
            Column("logistics_days_vs_anchor", "col.logistics_days", "int"),
            Column("finance_days_vs_anchor", "col.finance_days", "int"),
        ],
        lang,
    )


def _completion_sheet(book: xlsxwriter.Workbook, formats: Formats, q: queries.Query) -> None:
    lang = q.lang
    sheet = _sheet_with_note(book, formats, q, "completion", label("note.completion", lang))
    write_table(
        sheet,
        formats,
        queries.completion_by_view(q),
        [
            Column("view_code", "col.view", translate=_translator("view", lang)),
            Column("orders_due", "col.orders_due", "int"),
            Column("orders_complete", "col.orders_complete", "int"),
            Column("orders_on_time", "col.orders_on_time", "int"),
            Column("completion_rate", "col.completion_rate", "percent"),
            Column("on_time_rate", "col.on_time_rate", "percent"),
            Column("on_time_gap_pp", "col.gap_pp", "pp"),
        ],
        lang,
    )


def _quality_gate_sheet(
    book: xlsxwriter.Workbook, formats: Formats, q: queries.Query, note: GateNote
) -> None:
    """The publish record, the gate's failed checks and its text summary."""
    lang = q.lang
    sheet = book.add_worksheet(label("sheet.quality_gate", lang))
    sheet.write(0, 0, label("dq.title", lang), formats.get("text", bold=True, font_size=13))
    publish = queries.latest_publish(q.con)
    sheet.write(2, 0, label("dq.publish", lang), formats.header)
    sheet.write(2, 1, label("col.detail", lang), formats.header)
    record: list[tuple[str, Any]] = []
    if publish:
        published_at = publish["published_at"]
        if isinstance(published_at, datetime) and published_at.tzinfo is not None:
            published_at = published_at.astimezone(ZoneInfo(q.tz)).strftime("%Y-%m-%d %H:%M")
        record = [
            ("meta.run", publish["run_id"]),
            ("meta.published", f"{published_at} ({label('meta.plant_time', lang)})"),
            ("meta.data_through", str(publish["data_through"])),
            ("meta.checks_passed", publish["checks_passed"]),
            ("meta.checks_failed", publish["checks_failed"]),
        ]
    for row, (key, value) in enumerate(record, start=3):
        sheet.write(row, 0, label(key, lang), formats.get("text", bold=True))
        sheet.write(row, 1, value if value is not None else "—", formats.get("text", align="left"))
    row = 4 + len(record)
    failed = [
        check for check in _checks(publish) if check.get("status") not in ("passed", "skipped")
    ]
    sheet.write(row, 0, label("dq.summary", lang), formats.get("text", bold=True, font_size=12))
    lines = note.lines or [label("dq.none", lang)]
    if note.text and not note.has_issues:
        lines = [label("dq.clean", lang), *lines]
    for offset, line in enumerate(lines, start=row + 1):
        sheet.write_string(offset, 0, line, formats.get("text", font_name="Consolas"))
    row += len(lines) + 2
    if failed:
        for col, key in enumerate(("col.suite", "col.check", "col.severity", "col.status")):
            sheet.write(row, col, label(key, lang), formats.header)
        for offset, check in enumerate(failed, start=row + 1):
            for col, field in enumerate(("suite", "check", "severity", "status")):
                sheet.write_string(offset, col, str(check.get(field, "")), formats.get("text"))
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 3, 28)


def _checks(publish: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not publish or not publish.get("checks"):
        return []
    checks = publish["checks"]
    parsed = json.loads(checks) if isinstance(checks, str) else checks
    return [check for check in parsed if isinstance(check, dict)]


def window_for(as_of: date, period: str) -> Period:
    """The window a drop of `period` ending `as_of` covers (for callers and tests)."""
    return period_window(as_of, period)
