"""The dashboard's pages (Streamlit). `dashboard.server` runs this module's `main` for each
page load; every load reads what the page shows through `dashboard.reader.Reader`: cached
by the published file's identity, the file opened read-only (`data.open_latest`) only when
a read misses and closed at the end of the load, so a publish (a whole new file put in
place by `os.replace`) is seen on the next load and is never blocked by the dashboard.

Navigation is by URL (`?page=heatmap&lang=en&kpi=...`): every heatmap cell, order and page
is a plain link a manager can bookmark or send, and the browser tests follow the same
links a user clicks. Tables are real HTML tables (`st.html`), not the canvas data grid.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.charts import Bar, bars_html
from dashboard.labels import column_label, t
from dashboard.reader import Reader
from reports.common.periods import PERIODS, period_window
from reports.common.style import (
    NO_DATA_FILL,
    STATUS_FILL,
    STATUS_STRONG,
    STATUS_TEXT,
    format_money,
    format_value,
)
from reports.labels import LANGS, Lang, kpi_label, optional_label
from reports.order360 import (
    PAIRED,
    SECTIONS,
    TOP_PER_STAGE,
    OrderView,
    order_view,
    published_order_count,
)

# What `dashboard.server` passes to the page process.
ENV_PUBLISHED = "PERFCHAIN_DASHBOARD_PUBLISHED"
ENV_LANG = "PERFCHAIN_DASHBOARD_LANG"
ENV_TZ = "PERFCHAIN_DASHBOARD_TZ"

MAX_ROWS = 100  # source rows shown in a table; the CSV download holds them all
PAGES = ("heatmap", "order", "trace", "oee", "quality", "alerts", "goals", "card")


class Ctx:
    """One page load: the language, the plant zone, the query parameters."""

    def __init__(self, lang: Lang, tz: str, params: dict[str, str], through: date | None):
        self.lang = lang
        self.tz = ZoneInfo(tz)
        self.params = params
        self.through = through

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def href(self, page: str, **params: Any) -> str:
        query = {"page": page, "lang": self.lang}
        query.update({k: v for k, v in params.items() if v is not None})
        return "?" + urlencode(query)

    def fmt(self, value: Any) -> str:
        """A cell as the reports write numbers: thousands separators, plant time."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        if value is pd.NaT:
            return "—"
        if isinstance(value, bool):
            return self.t("value.yes") if value else self.t("value.no")
        if isinstance(value, pd.Timestamp):
            if value.tzinfo is None and value == value.normalize():
                return value.date().isoformat()  # a DATE column read through pandas
            value = value.to_pydatetime()
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(self.tz)
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, Decimal | float):
            number = float(value)
            return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
        if hasattr(value, "item"):  # numpy scalars
            return self.fmt(value.item())
        return str(value)

    def table(self, frame: pd.DataFrame, *, limit: int = MAX_ROWS) -> None:
        """A frame as an HTML table with translated headers and report number formats.

        One `st.html` element of plain markup (pandas' `to_html`, escaped), not `st.table`:
        the browser lays out a plain table at once, where `st.table` builds every cell as
        a styled React component, ≈ 1–2 ms a cell on a busy 2-core machine: seconds for a
        page of a few tables."""
        shown = frame.head(limit)
        pretty = pd.DataFrame(
            {column_label(c, self.lang): [self.fmt(v) for v in shown[c]] for c in shown.columns}
        )
        markup = pretty.to_html(
            index=False, border=0, escape=True, classes="data-table", na_rep="—"
        )
        _html(f'<div class="data-table-wrap">{markup}</div>')


# The look of `Ctx.table`'s tables (st.table's: thin rules, grey headers), once a page.
TABLE_STYLE = """<style>
.data-table-wrap{overflow-x:auto;margin-bottom:1rem}
table.data-table{border-collapse:collapse;font-size:.85rem;width:100%}
table.data-table th{color:#6B7280;font-weight:600;text-align:left !important;
  border-bottom:1px solid #D1D5DB;padding:.25rem .5rem;white-space:nowrap}
table.data-table td{border-bottom:1px solid #E5E7EB;padding:.25rem .5rem;vertical-align:top}
</style>"""


def _html(markup: str) -> None:
    st.html(markup)


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# Sidebar ---------------------------------------------------------------------------------


def _sidebar(ctx: Ctx, page: str, info: data.PublishInfo | None) -> None:
    other = "en" if ctx.lang == "zh" else "zh"
    links = []
    for name in PAGES:
        weight = "700" if name == page else "400"
        links.append(
            f'<li><a class="nav nav-{name}" href="{_esc(ctx.href(name))}" target="_self" '
            f'style="font-weight:{weight};text-decoration:none">{_esc(ctx.t("page." + name))}</a></li>'
        )
    switch = {k: v for k, v in ctx.params.items() if k != "lang"}
    switch["lang"] = other
    through = info.data_through if info else None
    with st.sidebar:
        _html(
            f'<div style="font-size:1.2rem;font-weight:700">{_esc(ctx.t("app.title"))}</div>'
            f'<div class="data-through" data-through="{_esc(through or "")}" '
            f'style="margin:.4rem 0">{_esc(ctx.t("meta.data_through"))}: '
            f"<b>{_esc(through or '—')}</b></div>"
            f'<ul style="list-style:none;padding-left:0;line-height:2">{"".join(links)}</ul>'
            f'<a class="lang-switch" href="?{_esc(urlencode(switch))}" target="_self">'
            f"{_esc(ctx.t('app.lang_switch'))}</a>"
            f'<div style="color:#6B7280;font-size:.8rem;margin-top:1rem">'
            f"{_esc(ctx.t('app.read_only'))}</div>"
        )


# KPI health heatmap ------------------------------------------------------------------------


def _period_controls(ctx: Ctx, page: str, db: Reader) -> tuple[str, date]:
    kind = ctx.params.get("period", "day")
    if kind not in PERIODS:
        kind = "day"
    bounds = db.get(data.kpi_date_bounds)
    latest = ctx.through or bounds[1] or date.today()
    try:
        as_of = date.fromisoformat(ctx.params.get("date", ""))
    except ValueError:
        as_of = latest
    left, right = st.columns([2, 1])
    with left:
        links = " · ".join(
            f'<a class="period period-{k}" href="{_esc(ctx.href(page, period=k, date=as_of.isoformat()))}" '
            f'target="_self" style="font-weight:{700 if k == kind else 400}">'
            f"{_esc(ctx.t('period.' + k))}</a>"
            for k in PERIODS
        )
        _html(f"<div>{_esc(ctx.t('ctl.period'))}: {links}</div>")
    with right:
        picked = st.date_input(
            ctx.t("ctl.as_of"),
            value=as_of,
            min_value=bounds[0] or as_of,
            max_value=max(latest, as_of),
            key=f"as_of-{page}",
        )
        if picked != as_of:
            st.query_params["date"] = picked.isoformat()
            for drill in ("kpi", "scope_type", "scope_id"):
                st.query_params.pop(drill, None)
            st.rerun()
    return kind, as_of


def page_heatmap(ctx: Ctx, db: Reader) -> None:
    st.header(ctx.t("page.heatmap"))
    kind, as_of = _period_controls(ctx, "heatmap", db)
    hm = db.get(data.heatmap, as_of, kind, ctx.lang)
    period = hm.period
    st.caption(
        f"{ctx.t('period.window')}: {period.start} – {period.end} "
        f"({ctx.t('period.' + kind + '.note')}) · {ctx.t('heatmap.legend')}"
    )
    if ctx.params.get("kpi"):
        _drilldown(ctx, db, kind, period.start, period.end)
    if hm.cells.empty:
        st.info(ctx.t("drill.no_rows"))
        return
    cells = {
        (r["scope_type"], r["scope_id"], r["kpi_code"]): r for r in hm.cells.to_dict("records")
    }
    names = {
        r["kpi_code"]: kpi_label(
            r["kpi_code"], ctx.lang, r["kpi_name"] if ctx.lang == "zh" else r["kpi_name_en"]
        )
        for r in hm.cells.to_dict("records")
    }
    head = "".join(
        f'<th style="padding:4px 6px;background:#1F3A5F;color:#fff;font-weight:600">'
        f"{_esc(names[k])}</th>"
        for k in hm.kpis
    )
    body = []
    for scope in hm.scopes.to_dict("records"):
        indent = {"plant": 0, "department": 1, "team": 2}.get(scope["scope_type"], 2)
        row = [
            f'<th style="text-align:left;padding:4px 6px;padding-left:{6 + indent * 14}px;'
            f'white-space:nowrap;font-weight:{600 if indent < 2 else 400}">'
            f'{_esc(scope["name"])} <span style="color:#6B7280;font-size:.75rem">'
            f"{_esc(t('level.' + scope['scope_type'], ctx.lang))}</span></th>"
        ]
        for kpi in hm.kpis:
            cell = cells.get((scope["scope_type"], scope["scope_id"], kpi))
            if cell is None:
                row.append(f'<td style="background:{NO_DATA_FILL};text-align:center">—</td>')
                continue
            status = cell["status"] if cell["status"] in STATUS_FILL else None
            fill = STATUS_FILL.get(status, NO_DATA_FILL)
            colour = STATUS_TEXT.get(status, "#000")
            text = format_value(kpi, cell["unit"], cell["value"])
            href = ctx.href(
                "heatmap",
                period=kind,
                date=as_of.isoformat(),
                kpi=kpi,
                scope_type=scope["scope_type"],
                scope_id=scope["scope_id"],
            )
            row.append(
                f'<td style="background:{fill};text-align:center;padding:0">'
                f'<a class="cell cell-{status or "none"}" data-kpi="{_esc(kpi)}" '
                f'data-scope-type="{_esc(scope["scope_type"])}" '
                f'data-scope-id="{_esc(scope["scope_id"])}" href="{_esc(href)}" target="_self" '
                f'style="display:block;padding:4px 6px;color:{colour};text-decoration:none">'
                f"{_esc(text)}</a></td>"
            )
        body.append(f"<tr>{''.join(row)}</tr>")
    _html(
        '<div style="overflow-x:auto"><table class="heatmap" '
        'style="border-collapse:collapse;font-size:.85rem;width:100%">'
        f'<thead><tr><th style="background:#1F3A5F;color:#fff">{_esc(ctx.t("heatmap.scope"))}</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    st.caption(ctx.t("heatmap.rollup"))


def _drilldown(ctx: Ctx, db: Reader, kind: str, start: date, end: date) -> None:
    kpi, scope_type, scope_id = (
        ctx.params.get("kpi", ""),
        ctx.params.get("scope_type", ""),
        ctx.params.get("scope_id", ""),
    )
    drill = db.get(data.drilldown, kpi, scope_type, scope_id, start, end, kind)
    with st.container(border=True, key="drilldown"):
        close = ctx.href("heatmap", period=kind, date=end.isoformat())
        _html(
            f'<div style="display:flex;justify-content:space-between">'
            f'<h3 style="margin:0">{_esc(ctx.t("drill.title"))}: '
            f"{_esc(kpi_label(kpi, ctx.lang))} · {_esc(t('level.' + scope_type, ctx.lang))} "
            f"{_esc(scope_id)} · {_esc(start)}{'' if start == end else ' – ' + _esc(end)}</h3>"
            f'<a href="{_esc(close)}" target="_self">{_esc(ctx.t("drill.close"))}</a></div>'
        )
        if drill.kpi_rows.empty and drill.period_row is None:
            st.info(ctx.t("drill.no_rows"))
            return
        if drill.period_row is not None:
            st.subheader(ctx.t("drill.period_row"))
            ctx.table(pd.DataFrame([drill.period_row]))
        st.subheader(ctx.t("drill.kpi_rows"))
        ctx.table(_kpi_rows(ctx, drill.kpi_rows))
        st.markdown(f"**{ctx.t('drill.source_model')}:** `{drill.source_model}`")
        published = drill.period_row or (
            drill.kpi_rows.iloc[0].to_dict() if len(drill.kpi_rows) == 1 else None
        )
        if published is None and len(drill.kpi_rows):
            published = {
                "numerator": float(drill.kpi_rows["numerator"].sum()),
                "denominator": float(drill.kpi_rows["denominator"].sum()),
            }
        st.subheader(ctx.t("drill.facts"))
        facts = []
        for source in drill.sources:
            for side, recomputed in (
                ("numerator", source.numerator),
                ("denominator", source.denominator),
            ):
                if recomputed is None:
                    continue
                shown = published.get(side) if published else None
                same = shown is not None and math.isclose(
                    float(shown), recomputed, rel_tol=1e-6, abs_tol=1e-4
                )
                facts.append(
                    {
                        "model": source.model,
                        "side": t("col." + side, ctx.lang),
                        "published": _precise(shown),
                        "recomputed": _precise(recomputed),
                        "check": ctx.t("drill.match") if same else ctx.t("drill.mismatch"),
                        "formula": source.note,
                    }
                )
        if facts:
            frame = pd.DataFrame(facts)
            frame.columns = [
                ctx.t("drill.source_model"),
                "",
                ctx.t("drill.published"),
                ctx.t("drill.recomputed"),
                "✓",
                ctx.t("drill.formula"),
            ]
            ctx.table(frame)
        for source in drill.sources:
            st.subheader(f"{ctx.t('drill.source_rows')} · {source.model}")
            st.caption(ctx.t("drill.rows_count", count=f"{len(source.rows):,}"))
            if len(source.rows) > MAX_ROWS:
                st.caption(ctx.t("drill.truncated", shown=MAX_ROWS, total=f"{len(source.rows):,}"))
            with st.container(key=f"source-rows-{source.model}"):
                ctx.table(source.rows)
            st.download_button(
                ctx.t("drill.download"),
                source.rows.to_csv(index=False).encode("utf-8"),
                file_name=f"{source.model}-{kpi}-{scope_id}-{start}-{end}.csv",
                mime="text/csv",
                key=f"download-{source.model}",
            )


def _precise(value: Any) -> str:
    """Four decimals at most: the published numerator is rounded to six, so two would show
    320.77 beside a recomputed 320.78 for the same 320.775."""
    if value is None:
        return "—"
    return f"{float(value):,.4f}".rstrip("0").rstrip(".")


def _kpi_rows(ctx: Ctx, rows: pd.DataFrame) -> pd.DataFrame:
    """kpi_daily rows as the reports show them: values in the KPI's unit, statuses named."""
    shown = rows.copy()
    for column in ("value", "target", "yellow_threshold", "red_threshold"):
        shown[column] = [
            format_value(code, unit, value)
            for code, unit, value in zip(
                shown["kpi_code"], shown["unit"], shown[column], strict=True
            )
        ]
    shown["status"] = [
        t(f"status.{status}", ctx.lang) if status in STATUS_FILL else "—"
        for status in shown["status"]
    ]
    name = "kpi_name" if ctx.lang == "zh" else "kpi_name_en"
    return shown[
        [
            "kpi_date",
            "scope_type",
            "scope_id",
            name,
            "value",
            "numerator",
            "denominator",
            "target",
            "yellow_threshold",
            "red_threshold",
            "status",
            "target_source",
            "kpi_daily_id",
        ]
    ].rename(columns={name: "kpi"})


# Order 360 and its contribution trace -----------------------------------------------------


def _order_input(ctx: Ctx, page: str, db: Reader) -> str:
    current = ctx.params.get("order", "")
    typed = st.text_input(
        ctx.t("ctl.order"), value=current, help=ctx.t("ctl.order_help"), key=f"order-{page}"
    ).strip()
    if typed != current:
        st.query_params["order"] = typed
        current = typed
    if not current:
        recent = db.get(data.sample_orders, 12)
        links = " · ".join(
            f'<a class="order-link" href="{_esc(ctx.href(page, order=o))}" target="_self">{_esc(o)}</a>'
            for o in recent
        )
        _html(f"<div>{_esc(ctx.t('order.pick'))} {links}</div>")
    return current


def _found_order(ctx: Ctx, db: Reader, order_no: str, other: str) -> OrderView | None:
    """The order's 360 view and a link to its `other` page (order 360 <-> its trace), or a
    warning saying how many orders the file holds when it has no such order."""
    view = db.get(order_view, order_no)
    if view is None:
        st.warning(
            ctx.t("order.not_found", order=order_no, count=f"{db.get(published_order_count):,}")
        )
        return None
    text = f"{ctx.t('order.trace_link')} →" if other == "trace" else f"← {ctx.t('order.360_link')}"
    _html(
        f'<a class="{other}-link" href="{_esc(ctx.href(other, order=order_no))}" '
        f'target="_self">{_esc(text)}</a>'
    )
    return view


def page_order(ctx: Ctx, db: Reader) -> None:
    st.header(ctx.t("page.order"))
    order_no = _order_input(ctx, "order", db)
    if not order_no:
        return
    view = _found_order(ctx, db, order_no, "trace")
    if view is None:
        return
    cards = []
    for zh, en, fields in SECTIONS:
        rows = []
        for label_zh, label_en, column in fields:
            text = ctx.fmt(view.order.get(column))
            if column in PAIRED:
                text = f"{text} / {ctx.fmt(view.order.get(PAIRED[column]))}"
            rows.append(
                f'<tr data-column="{_esc(column)}"><th style="text-align:left;font-weight:400;'
                f'color:#6B7280;padding:2px 8px 2px 0">{_esc(label_zh if ctx.lang == "zh" else label_en)}'
                f'</th><td class="field-{_esc(column)}" style="padding:2px 0">{_esc(text)}</td></tr>'
            )
        cards.append(
            f'<div style="border:1px solid #E5E7EB;border-radius:6px;padding:8px">'
            f'<div style="font-weight:700;color:#2B6CB0">{_esc(zh if ctx.lang == "zh" else en)}</div>'
            f'<table style="font-size:.85rem">{"".join(rows)}</table></div>'
        )
    # One element for all sections (a grid), not one per section: fewer round trips.
    _html(
        '<div class="order-360" style="display:grid;grid-template-columns:repeat(auto-fill,'
        f'minmax(320px,1fr));gap:8px">{"".join(cards)}</div>'
    )
    # As `perfchain order` prints it: the top contributors of each stage, the rest summed.
    _trace(ctx, db, order_no, view.points_pool, top=TOP_PER_STAGE)


def page_trace(ctx: Ctx, db: Reader) -> None:
    st.header(ctx.t("page.trace"))
    order_no = _order_input(ctx, "trace", db)
    if not order_no:
        return
    view = _found_order(ctx, db, order_no, "order")
    if view is None:
        return
    _trace(ctx, db, order_no, view.points_pool, chart=True)


def _trace(
    ctx: Ctx,
    db: Reader,
    order_no: str,
    pool: Any,
    chart: bool = False,
    top: int | None = None,
) -> None:
    st.subheader(f"{ctx.t('page.trace')} · {ctx.t('trace.pool', pool=ctx.fmt(pool))}")
    trace = db.get(data.contribution_trace, order_no, ctx.lang)
    if trace.empty:
        st.info(ctx.t("trace.no_pool"))
        return
    trace["stage"] = [t_stage(s, ctx.lang) for s in trace["stage"]]
    if chart:
        by_stage = (
            trace.groupby(["stage_order", "stage"], as_index=False)["points"]
            .sum()
            .astype({"points": float})
        )
        _html(
            '<div class="trace-chart">'
            + bars_html(
                [
                    Bar(
                        row["stage"],
                        0.0,
                        row["points"],
                        "#2B6CB0",
                        f"{row['points']:,.2f}",
                    )
                    for row in by_stage.to_dict("records")
                ],
                height=260,
                title=ctx.t("trace.by_stage"),
                axis=t("col.points", ctx.lang),
            )
            + "</div>"
        )
    shown = trace[
        ["stage", "stage_weight", "employee_id", "employee_name", "recorded_qty", "points"]
    ].copy()
    if top is not None:
        kept = []
        for _, rows in shown.groupby(trace["stage_order"], sort=True):
            kept.append(rows.head(top))
            rest = rows.iloc[top:]
            if len(rest):
                summary = {c: None for c in shown.columns}
                summary.update(
                    stage=rows["stage"].iloc[0],
                    employee_name=ctx.t("trace.more", count=len(rest)),
                    points=float(rest["points"].sum()),
                )
                kept.append(pd.DataFrame([summary]))
        shown = pd.concat(kept, ignore_index=True)
    total = {c: None for c in shown.columns}
    total.update(stage=ctx.t("trace.total"), points=float(trace["points"].sum()))
    shown = pd.concat([shown, pd.DataFrame([total])], ignore_index=True)
    with st.container(key="trace-table"):
        ctx.table(shown, limit=10_000)


def t_stage(stage: str, lang: Lang) -> str:
    return optional_label(f"stage.{stage}", lang, stage)


# OEE loss waterfall ------------------------------------------------------------------------


def page_oee(ctx: Ctx, db: Reader) -> None:
    st.header(ctx.t("page.oee"))
    kind, as_of = _period_controls(ctx, "oee", db)
    period = period_window(as_of, kind)
    lines, shifts = db.get(data.lines_and_shifts)
    every = ctx.t("ctl.all")
    left, right = st.columns(2)
    line = left.selectbox(ctx.t("ctl.line"), [every, *lines], key="line")
    shift = right.selectbox(ctx.t("ctl.shift"), [every, *shifts], key="shift")
    losses = db.get(
        data.oee_losses,
        period.start,
        period.end,
        None if line == every else line,
        None if shift == every else shift,
    )
    if not losses["shifts"]:
        st.info(ctx.t("oee.none"))
        return
    steps = [
        ("oee.busy", losses["planned_busy"], "total"),
        ("oee.availability_loss", -losses["availability_loss"], "loss"),
        ("oee.performance_loss", -losses["performance_loss"], "loss"),
        ("oee.quality_loss", -losses["quality_loss"], "loss"),
        ("oee.productive", losses["productive"], "total"),
    ]
    bars, level = [], 0.0
    for key, amount, kind_ in steps:
        if kind_ == "total":
            start, end, level = 0.0, amount, amount
        else:
            start, end = level, level + amount
            level = end
        colour = STATUS_STRONG["green"] if kind_ == "total" else STATUS_STRONG["red"]
        bars.append(Bar(ctx.t(key), start, end, colour, f"{abs(amount):,.0f}"))
    st.metric(ctx.t("oee.value"), format_value("oee", None, losses["oee"]))
    _html(
        '<div class="oee-chart">'
        + bars_html(bars, height=320, axis=ctx.t("oee.minutes"))
        + "</div>"
    )
    ctx.table(
        pd.DataFrame(
            {
                ctx.t("oee.minutes"): [format_money(abs(v)) for _, v, _ in steps],
            },
            index=[ctx.t(k) for k, _, _ in steps],
        ).reset_index(names="")
    )
    st.subheader(ctx.t("oee.by_line_shift"))
    by_line = db.get(data.oee_losses_by_line_shift, period.start, period.end)
    shown = pd.DataFrame(
        {
            "line_id": by_line["line_id"],
            "shift_code": by_line["shift_code"],
            ctx.t("oee.busy"): by_line["planned_busy"].round(),
            ctx.t("oee.availability_loss"): by_line["availability_loss"].round(),
            ctx.t("oee.performance_loss"): by_line["performance_loss"].round(),
            ctx.t("oee.quality_loss"): by_line["quality_loss"].round(),
            ctx.t("oee.productive"): by_line["productive"].round(),
            "oee": [format_value("oee", None, v) for v in by_line["oee"]],
        }
    )
    with st.container(key="oee-by-line-shift"):
        ctx.table(shown)


# Data quality ------------------------------------------------------------------------------


def page_quality(ctx: Ctx, db: Reader) -> None:
    st.header(ctx.t("page.quality"))
    runs = db.get(data.gate_runs)
    if not runs:
        st.info(ctx.t("quality.no_runs"))
        return
    for index, run in enumerate(runs):
        title = (
            f"{ctx.t('quality.run')} {run.run_id} · {run.action} · "
            f"{ctx.t('meta.data_through')} {run.data_through} · "
            f"{ctx.t('meta.checks_passed')} {run.checks_passed:,} · "
            f"{ctx.t('meta.checks_failed')} {run.checks_failed:,}"
        )
        with st.expander(title, expanded=index == 0):
            st.caption(f"{ctx.t('meta.published')}: {ctx.fmt(run.published_at)}")
            st.subheader(f"{ctx.t('quality.failing')} ({len(run.failing)})")
            if not run.failing:
                st.success(ctx.t("quality.none_failing"))
            for check in run.failing:
                with st.container(border=True):
                    st.markdown(
                        f"**{check.get('suite')}.{check.get('check')}** · "
                        f"{check.get('severity')} · `{check.get('status')}`"
                    )
                    if check.get("reason"):
                        st.markdown(f"{ctx.t('quality.reason')}: {check['reason']}")
                    if check.get("error"):
                        st.markdown(f"{ctx.t('quality.error')}: `{check['error']}`")
                    elif check.get("observed") is not None:
                        st.markdown(f"{ctx.t('quality.observed')}: `{check['observed']}`")
                    sample = check.get("rows") or []
                    if sample:
                        st.caption(ctx.t("quality.sample_rows"))
                        ctx.table(pd.DataFrame(sample))
            st.subheader(ctx.t("quality.all_checks"))
            checks = pd.DataFrame(
                [
                    {k: c.get(k) for k in ("suite", "check", "severity", "status")}
                    for c in run.checks
                ]
            )
            if not checks.empty:
                order = {"error": 0, "failed": 1, "passed": 2, "skipped": 3}
                checks = checks.sort_values(
                    ["status", "suite", "check"],
                    key=lambda s: s.map(order).fillna(s) if s.name == "status" else s,
                )
                ctx.table(checks, limit=10_000)
            if run.row_counts:
                st.subheader(ctx.t("quality.row_counts"))
                ctx.table(pd.DataFrame(sorted(run.row_counts.items()), columns=["table", "rows"]))


# Alerts war room ---------------------------------------------------------------------------


def page_alerts(ctx: Ctx, db: Reader) -> None:
    st.header(ctx.t("page.alerts"))
    show_closed = st.checkbox(
        ctx.t("ctl.show_closed"), value=ctx.params.get("closed") == "1", key="closed"
    )
    room = db.get(data.war_room, not show_closed)
    if room.alerts.empty and not show_closed:
        # Nothing open: the room shows the latest alerts rather than an empty page.
        st.info(ctx.t("alerts.none"))
        show_closed, room = True, db.get(data.war_room, False)
    open_alerts = room.alerts[room.alerts["is_open"].fillna(False).astype(bool)]
    columns = st.columns(4)
    columns[0].metric(ctx.t("alerts.open"), f"{len(open_alerts):,}")
    for level in (1, 2, 3):
        count = int((open_alerts["level_reached"] == level).sum())
        columns[level].metric(ctx.t("alerts.level", level=level), f"{count:,}")
    if room.alerts.empty:
        st.info(ctx.t("alerts.none_at_all"))
        return
    with st.container(key="alerts-table"):
        ctx.table(room.alerts)
    st.subheader(ctx.t("alerts.messages"))
    ctx.table(room.messages)
    st.subheader(ctx.t("alerts.tasks"))
    with st.container(key="alerts-tasks"):
        ctx.table(room.tasks)


# Goal tree and personal card (issue 22) ---------------------------------------------------


def page_goals(ctx: Ctx, db: Reader) -> None:
    st.header(ctx.t("page.goals"))
    if not db.get(data.goals_configured):
        with st.container(key="goals-not-configured"):
            st.info(ctx.t("goals.not_configured"))
        return
    periods = db.get(data.goal_periods)
    period = st.selectbox(ctx.t("ctl.goal_period"), periods, key="goal_period")
    tree = db.get(data.goal_tree, period)
    units = db.get(data.kpi_units)

    def shown(goal: dict, column: str) -> str:
        # Target and actual in the KPI's unit, as the heatmap shows it (output per head is
        # standard hours per attended hour, not a share).
        value = goal.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        code = goal.get("kpi_code") or ""
        return format_value(code, units.get(code), float(value))

    rows = []
    for goal in tree.to_dict("records"):
        depth = int(goal.get("depth") or 0)
        attainment = goal.get("rolled_up_attainment")
        status = None
        if attainment is not None and not (
            isinstance(attainment, float) and math.isnan(attainment)
        ):
            status = "green" if attainment >= 1 else "yellow" if attainment >= 0.9 else "red"
        fill = STATUS_FILL.get(status, NO_DATA_FILL)
        rows.append(
            f'<tr><td style="padding:3px 8px;padding-left:{8 + depth * 18}px">{_esc(goal["goal_id"])}</td>'
            f"<td>{_esc(goal['owner_type'])} {_esc(goal['owner_id'])}</td>"
            f"<td>{_esc(kpi_label(goal['kpi_code'], ctx.lang) if goal.get('kpi_code') else '—')}</td>"
            f"<td>{_esc(shown(goal, 'target'))}</td><td>{_esc(shown(goal, 'actual'))}</td>"
            f"<td>{_esc(ctx.fmt(goal.get('weight')))}</td>"
            f'<td style="background:{fill}">{_esc(format_value("attainment", None, attainment))}</td></tr>'
        )
    head = "".join(
        f"<th>{_esc(column_label(c, ctx.lang))}</th>"
        for c in (
            "goal_id",
            "owner_id",
            "kpi",
            "target",
            "actual",
            "weight",
            "rolled_up_attainment",
        )
    )
    _html(
        f'<table class="goal-tree" style="border-collapse:collapse;font-size:.9rem;width:100%">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def page_card(ctx: Ctx, db: Reader) -> None:
    st.header(ctx.t("page.card"))
    employees = db.get(data.employees_with_scores)
    if not employees:
        with st.container(key="card-not-configured"):
            st.info(ctx.t("card.not_configured"))
        return
    wanted = ctx.params.get("employee")
    index = employees.index(wanted) if wanted in employees else 0
    employee_id = st.selectbox(ctx.t("ctl.employee"), employees, index=index, key="employee")
    card = db.get(data.person_card, employee_id)
    if card is None:
        st.warning(ctx.t("card.not_found", employee=employee_id))
        return
    name = card.employee.get("employee_name" if ctx.lang == "zh" else "employee_name_en") or (
        card.employee.get("employee_name") or employee_id
    )
    st.subheader(f"{name} ({employee_id})")
    score = card.score or {}
    columns = st.columns(3)
    columns[0].metric(ctx.t("card.month"), ctx.fmt(card.month)[:7])
    columns[1].metric(ctx.t("card.score"), ctx.fmt(score.get("score")))
    columns[2].metric(ctx.t("card.points"), ctx.fmt(score.get("contribution_points")))
    explained = card.explained.copy()
    if not explained.empty:
        units = db.get(data.kpi_units)
        for column in ("target", "actual"):
            explained[column] = [
                format_value(code, units.get(code), None if pd.isna(value) else float(value))
                for code, value in zip(explained["kpi_code"], explained[column], strict=True)
            ]
        explained["kpi_code"] = [kpi_label(code, ctx.lang) for code in explained["kpi_code"]]
        explained["attainment"] = [
            format_value("attainment", None, value) for value in explained["attainment"]
        ]
        explained = explained.rename(columns={"kpi_code": "kpi"})
    badges, capabilities = card.badges, card.capabilities
    if ctx.lang == "en":  # the English names where the marts have them
        if not badges.empty:
            badges = badges.assign(badge_name=badges["badge_name_en"].fillna(badges["badge_name"]))
        if not capabilities.empty:
            capabilities = capabilities.assign(
                skill_name=capabilities["skill_name_en"].fillna(capabilities["skill_name"])
            )
    badges = badges.drop(columns=["badge_name_en"], errors="ignore")
    capabilities = capabilities.drop(columns=["skill_name_en"], errors="ignore")
    for key, frame in (
        ("card.goals", explained),
        ("card.badges", badges),
        ("card.capabilities", capabilities),
    ):
        st.subheader(ctx.t(key))
        with st.container(key=key.replace(".", "-")):
            if frame.empty:
                st.caption(ctx.t("card.none"))
            else:
                ctx.table(frame)


RENDER: dict[str, Callable[[Ctx, Reader], None]] = {
    "heatmap": page_heatmap,
    "order": page_order,
    "trace": page_trace,
    "oee": page_oee,
    "quality": page_quality,
    "alerts": page_alerts,
    "goals": page_goals,
    "card": page_card,
}


def main() -> None:
    """One page load."""
    params = {key: st.query_params[key] for key in st.query_params}
    lang = params.get("lang") or os.environ.get(ENV_LANG, "zh")
    lang = lang if lang in LANGS else "zh"
    page = params.get("page", "heatmap")
    page = page if page in RENDER else "heatmap"
    st.set_page_config(page_title=t("app.title", lang), layout="wide")
    _html(TABLE_STYLE)
    published = Path(os.environ.get(ENV_PUBLISHED, "var/published/perfchain.duckdb"))
    tz = os.environ.get(ENV_TZ, "Asia/Shanghai")
    if not published.exists():
        _sidebar(Ctx(lang, tz, params, None), page, None)  # type: ignore[arg-type]
        st.warning(t("app.no_file", lang, path=published))
        return
    with Reader(published) as db:
        info = db.get(data.publish_info)
        ctx = Ctx(lang, tz, params, info.data_through)  # type: ignore[arg-type]
        _sidebar(ctx, page, info)
        RENDER[page](ctx, db)
    # The last element of every page: what a browser test waits for before reading it.
    _html(f'<div class="page-ready" data-page="{page}" data-lang="{lang}"></div>')
