"""The management brief: four A4 pages of headline figures, charts and the red list.

Page 1: headline tiles and the KPI health heatmap. Page 2: on-time delivery against target
and first-pass yield by team and hour. Page 3: the OEE loss waterfall and the contribution
flow of the largest orders. Page 4: the red KPIs and the largest late orders.
Figures are PDF text (searchable, and what the tests read); charts are images.
"""

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
from fpdf import FPDF

from reports.brief import charts
from reports.common import queries
from reports.common.fonts import cjk_font_path
from reports.common.periods import period_window
from reports.common.quality import GateNote, gate_note
from reports.common.style import (
    HEADER_FILL,
    MUTED,
    STATUS_FILL,
    STATUS_STRONG,
    STATUS_TEXT,
    format_money,
    format_value,
)
from reports.labels import Lang, check_lang, kpi_label, label

HEADLINE_KPIS = (
    "otd_rate",
    "first_pass_yield",
    "oee",
    "complaint_rate",
    "output_per_head",
    "response_hours_median",
)
FONT = "noto"
MARGIN = 12.0
PAGE_WIDTH = 210.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN


def brief_name(as_of: date, lang: str, period: str) -> str:
    return f"perfchain-{period}-{as_of.isoformat()}-{lang}.pdf"


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


class _Brief(FPDF):
    """A4 portrait with the CJK font and a footer naming the data date and the gate note."""

    def __init__(self, footer_text: str, warning: str | None, lang: Lang) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.warning = warning
        self.lang = lang
        self.add_font(FONT, "", str(cjk_font_path()))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, size=7)
        if self.warning:
            self.set_text_color(*_rgb(STATUS_TEXT["red"]))
            self.cell(0, 4, self._fitted(self.warning), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*_rgb(MUTED))
        page = label("meta.page", self.lang, page=self.page_no(), pages="{nb}")
        self.cell(CONTENT_WIDTH / 2, 4, self.footer_text)
        self.cell(CONTENT_WIDTH / 2, 4, page, align="R")

    def _fitted(self, text: str) -> str:
        """Cut to the line's width with an ellipsis: the data-quality sheet has it all."""
        if self.get_string_width(text) <= CONTENT_WIDTH:
            return text
        while text and self.get_string_width(text + "…") > CONTENT_WIDTH:
            text = text[:-1]
        return text + "…"


def build_brief(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    lang: str = "zh",
    period: str = "day",
    *,
    out_dir: Path | None = None,
    tz: str = "Asia/Shanghai",
) -> Path:
    """Write the brief for the window ending `as_of` (read-only `con` on the published
    file); return its path. Without `out_dir` the file goes to a new temporary directory."""
    lang_ = check_lang(lang)
    q = queries.Query(con, period_window(as_of, period), lang_, tz)
    note = gate_note(con)
    folder = out_dir or Path(tempfile.mkdtemp(prefix="perfchain-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / brief_name(as_of, lang_, period)
    pdf = _Brief(_footer_text(q), _warning(note, lang_), lang_)
    pdf.set_title(_title(q))
    pdf.set_author("perfchain")
    pdf.set_creator("perfchain")
    cells = queries.heatmap_cells(q)
    scopes = queries.heatmap_scopes(q, cells)
    codes = queries.kpi_columns(cells)
    _page_overview(pdf, q, cells, scopes, codes)
    _page_charts(
        pdf,
        charts.otd_trend(queries.otd_trend(q), lang_),
        charts.fpy_by_team_hour(queries.fpy_by_team_hour(q), lang_),
    )
    _page_charts(
        pdf,
        charts.oee_waterfall(queries.oee_losses(q), lang_),
        charts.contribution_flow(queries.top_order_contributions(q), lang_),
    )
    _page_lists(pdf, q, cells, scopes)
    _page_response(pdf, q)
    pdf.output(str(path))
    return path


def _title(q: queries.Query) -> str:
    lang = q.lang
    return (
        f"{label('brief.title', lang)} · {label(f'period.{q.period.kind}', lang)} "
        f"{q.period.as_of.isoformat()}"
    )


def _footer_text(q: queries.Query) -> str:
    publish = queries.latest_publish(q.con)
    through = str(publish["data_through"]) if publish else "—"
    return f"perfchain · {label('meta.data_through', q.lang)} {through}"


def _warning(note: GateNote, lang: Lang) -> str | None:
    if not note.has_issues:
        return None
    first = note.lines[0] if note.lines else ""
    return f"{label('dq.warned', lang)} {first}"[:180]


def _header(pdf: _Brief, q: queries.Query) -> None:
    lang, period = q.lang, q.period
    pdf.set_fill_color(*_rgb(HEADER_FILL))
    pdf.rect(0, 0, PAGE_WIDTH, 24, style="F")
    pdf.set_xy(MARGIN, 5)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FONT, size=17)
    pdf.cell(0, 8, _title(q), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=8)
    generated = datetime.now(ZoneInfo(q.tz)).strftime("%Y-%m-%d %H:%M")
    pdf.cell(
        0,
        6,
        f"{label('period.window', lang)} {period.start} – {period.end} "
        f"({label(f'period.{period.kind}.note', lang)})    "
        f"{label('meta.generated', lang)} {generated} ({label('meta.plant_time', lang)})",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_y(30)
    pdf.set_text_color(0, 0, 0)


def _section(pdf: _Brief, text: str) -> None:
    pdf.set_font(FONT, size=11)
    pdf.set_text_color(*_rgb(HEADER_FILL))
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _page_overview(
    pdf: _Brief, q: queries.Query, cells: pd.DataFrame, scopes: pd.DataFrame, codes: list[str]
) -> None:
    pdf.add_page()
    _header(pdf, q)
    _section(pdf, label("brief.headline", q.lang))
    plant = cells[cells["scope_type"] == "plant"].set_index("kpi_code")
    tiles = [code for code in HEADLINE_KPIS if code in plant.index]
    width, height, gap = (CONTENT_WIDTH - 2 * 4) / 3, 22.0, 4.0
    top = pdf.get_y()
    for index, code in enumerate(tiles):
        x = MARGIN + (index % 3) * (width + gap)
        y = top + (index // 3) * (height + gap)
        _tile(pdf, x, y, width, height, code, plant.loc[code], q.lang)
    rows = (len(tiles) + 2) // 3
    pdf.set_y(top + rows * (height + gap) + 2)
    _section(pdf, label("heatmap.title", q.lang))
    _image(pdf, charts.heatmap(cells, scopes, codes, q.lang), max_height=150)
    pdf.set_font(FONT, size=7)
    pdf.set_text_color(*_rgb(MUTED))
    pdf.multi_cell(0, 3.5, label("heatmap.rollup", q.lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _tile(
    pdf: _Brief, x: float, y: float, width: float, height: float, code: str, cell: Any, lang: Lang
) -> None:
    status = cell["status"] if cell["status"] in STATUS_FILL else None
    pdf.set_fill_color(*_rgb("#F7F9FC"))
    pdf.rect(x, y, width, height, style="F")
    pdf.set_fill_color(*_rgb(STATUS_STRONG[status] if status else "#BBBBBB"))
    pdf.rect(x, y, 1.8, height, style="F")
    mart_name = cell["kpi_name"] if lang == "zh" else cell["kpi_name_en"]
    pdf.set_xy(x + 4, y + 2)
    pdf.set_font(FONT, size=8.5)
    pdf.set_text_color(*_rgb(MUTED))
    pdf.cell(width - 6, 4.5, kpi_label(code, lang, mart_name))
    pdf.set_xy(x + 4, y + 7)
    pdf.set_font(FONT, size=17)
    pdf.set_text_color(*_rgb(STATUS_TEXT[status] if status else "#333333"))
    pdf.cell(width - 6, 8, format_value(code, cell["unit"], cell["value"]))
    pdf.set_xy(x + 4, y + 15.5)
    pdf.set_font(FONT, size=7.5)
    pdf.set_text_color(*_rgb(MUTED))
    target = format_value(code, cell["unit"], cell["target"])
    state = label(f"status.{status}", lang) if status else ""
    pdf.cell(width - 6, 4, f"{label('heatmap.target', lang)} {target}   {state}")
    pdf.set_text_color(0, 0, 0)


def _image(pdf: _Brief, png: bytes, max_height: float) -> None:
    """Place a chart at full content width, scaled down to fit `max_height`."""
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(png)) as image:
        ratio = image.height / image.width
    width = min(CONTENT_WIDTH, max_height / ratio)
    pdf.image(BytesIO(png), x=MARGIN + (CONTENT_WIDTH - width) / 2, w=width)
    pdf.ln(2)


def _page_charts(pdf: _Brief, first: bytes, second: bytes) -> None:
    pdf.add_page()
    _image(pdf, first, max_height=118)
    pdf.ln(3)
    _image(pdf, second, max_height=130)


def _page_lists(pdf: _Brief, q: queries.Query, cells: pd.DataFrame, scopes: pd.DataFrame) -> None:
    lang = q.lang
    pdf.add_page()
    _section(pdf, label("brief.red_cells", lang))
    names = {(s.scope_type, s.scope_id): s for s in scopes.itertuples()}
    red = cells[cells["status"] == "red"]
    rows = []
    for cell in red.itertuples():
        scope = names.get((cell.scope_type, cell.scope_id))
        name = (
            f"{label('level.plant', lang)} {cell.scope_id}"
            if cell.scope_type == "plant"
            else (scope.name if scope is not None else cell.scope_id)
        )
        mart_name = cell.kpi_name if lang == "zh" else cell.kpi_name_en
        rows.append(
            [
                label(f"level.{cell.scope_type}", lang),
                str(name),
                kpi_label(cell.kpi_code, lang, mart_name),
                format_value(cell.kpi_code, cell.unit, cell.value),
                format_value(cell.kpi_code, cell.unit, cell.target),
            ]
        )
    headers = [label(key, lang) for key in ("col.scope_type", "col.team", "col.kpi")]
    headers += [label("col.value", lang), label("col.target", lang)]
    _table(pdf, headers, rows, (22, 60, 50, 27, 27), lang)
    pdf.ln(4)
    _section(pdf, label("brief.late_orders", lang))
    late = queries.otd_orders(q)
    late = late[late["otd_kind"] != "at_risk"].nlargest(10, "net_amount_cny")
    order_rows = [
        [
            str(order.order_id),
            str(order.customer_name or "")[:16],
            label(f"otd.{order.otd_kind}", lang),
            str(order.promised_date.date()),
            "" if pd.isna(order.days_late) else str(int(order.days_late)),
            format_money(order.net_amount_cny),
        ]
        for order in late.itertuples()
    ]
    headers = [
        label(key, lang)
        for key in (
            "col.order_id",
            "col.customer",
            "col.otd_status",
            "col.promised_date",
            "col.days_late",
            "col.net_amount",
        )
    ]
    _table(pdf, headers, order_rows, (30, 54, 26, 26, 20, 30), lang)


def _page_response(pdf: _Brief, q: queries.Query) -> None:
    """Response speed per month (SPEC 5.5, 8.5): median and p90 hours, auto-triggered."""
    lang = q.lang
    pdf.add_page()
    _section(pdf, label("brief.response", lang))
    frame = queries.response_by_month(q)
    rows = [
        [
            str(month.month),
            str(month.month_end.date()),
            str(int(month.signals_raised)),
            str(int(month.signals_answered)),
            format_value("response_hours_median", "hours", month.response_hours_median),
            format_value("response_hours_p90", "hours", month.response_hours_p90),
            format_value("auto_trigger_share", None, month.auto_trigger_share),
        ]
        for month in frame.itertuples()
    ]
    headers = [
        label(key, lang)
        for key in (
            "col.month",
            "col.month_end",
            "col.signals_raised",
            "col.signals_answered",
            "col.response_median",
            "col.response_p90",
            "col.auto_share",
        )
    ]
    _table(pdf, headers, rows, (20, 24, 20, 20, 32, 32, 38), lang)
    pdf.ln(3)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(0, 4.5, label("note.response", lang), new_x="LMARGIN", new_y="NEXT")


def _table(
    pdf: _Brief, headers: list[str], rows: list[list[str]], widths: tuple[float, ...], lang: Lang
) -> None:
    if not rows:
        pdf.set_font(FONT, size=9)
        pdf.cell(0, 6, label("brief.none", lang), new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font(FONT, size=8)
    pdf.set_fill_color(*_rgb(HEADER_FILL))
    pdf.set_text_color(255, 255, 255)
    for header, width in zip(headers, widths, strict=True):
        pdf.cell(width, 6, header, fill=True, align="C")
    pdf.ln()
    pdf.set_text_color(0, 0, 0)
    for index, row in enumerate(rows):
        shade = index % 2 == 1
        pdf.set_fill_color(*_rgb("#F3F6FA"))
        for value, width in zip(row, widths, strict=True):
            align = "R" if value[:1].isdigit() or value.endswith("%") else "L"
            pdf.cell(width, 5.5, value, fill=shade, align=align)
        pdf.ln()
