"""The brief's charts, drawn with matplotlib in Noto Sans CJK SC and returned as PNG bytes.

Each function takes the frame its query returned and the language; none reads the
database, so they can be tried on hand-made frames.
"""

import io
from typing import Any

import numpy as np
import pandas as pd

from reports.common.fonts import use_cjk_font_in_matplotlib
from reports.common.style import (
    ACCENT,
    MUTED,
    NO_DATA_FILL,
    STAGE_COLOURS,
    STATUS_FILL,
    STATUS_STRONG,
    STATUS_TEXT,
    format_value,
)
from reports.labels import Lang, kpi_label, label, optional_label

DPI = 200


def _pyplot() -> Any:
    use_cjk_font_in_matplotlib()
    import matplotlib.pyplot as plt

    return plt


def _png(figure: Any) -> bytes:
    plt = _pyplot()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    plt.close(figure)
    return buffer.getvalue()


def _style(axes: Any, title: str) -> None:
    axes.set_title(title, loc="left", fontsize=11, color="#1F3A5F", pad=8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.spines["left"].set_color("#BBBBBB")
    axes.spines["bottom"].set_color("#BBBBBB")
    axes.tick_params(colors="#333333", labelsize=8)


def _empty(title: str, lang: Lang, height: float = 2.0) -> bytes:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.4, height))
    _style(axes, title)
    axes.axis("off")
    axes.text(0.5, 0.5, label("brief.no_data", lang), ha="center", va="center", color=MUTED)
    return _png(figure)


def heatmap(cells: pd.DataFrame, scopes: pd.DataFrame, codes: list[str], lang: Lang) -> bytes:
    """Scopes × KPIs coloured by status, each cell showing its formatted value."""
    title = label("heatmap.title", lang)
    if cells.empty or scopes.empty:
        return _empty(title, lang)
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    by_cell = {(r.scope_type, r.scope_id, r.kpi_code): r for r in cells.itertuples()}
    names = cells.groupby("kpi_code")[["kpi_name", "kpi_name_en"]].first()
    rows, cols = len(scopes), len(codes)
    figure, axes = plt.subplots(figsize=(7.6, 0.9 + 0.3 * rows))
    for y, scope in enumerate(scopes.itertuples()):
        for x, code in enumerate(codes):
            cell = by_cell.get((scope.scope_type, scope.scope_id, code))
            status = cell.status if cell is not None else None
            fill = STATUS_FILL.get(status, NO_DATA_FILL) if status else NO_DATA_FILL
            axes.add_patch(Rectangle((x, y), 1, 1, facecolor=fill, edgecolor="white", lw=1.5))
            text = "—" if cell is None else format_value(code, cell.unit, cell.value)
            colour = STATUS_TEXT.get(status, "#999999") if status else "#999999"
            axes.text(x + 0.5, y + 0.5, text, ha="center", va="center", fontsize=6.5, color=colour)
    axes.set_xlim(0, cols)
    axes.set_ylim(rows, 0)
    axes.set_xticks(np.arange(cols) + 0.5)
    mart_names = names["kpi_name" if lang == "zh" else "kpi_name_en"]
    axes.set_xticklabels(
        [kpi_label(code, lang, mart_names.get(code)) for code in codes],
        rotation=35,
        ha="left",
        fontsize=7,
    )
    axes.xaxis.tick_top()
    axes.set_yticks(np.arange(rows) + 0.5)
    axes.set_yticklabels(
        [
            f"{label('level.plant', lang)} {s.scope_id}"
            if s.scope_type == "plant"
            else ("   " if s.scope_type == "team" else "") + str(s.name)
            for s in scopes.itertuples()
        ],
        fontsize=7.5,
    )
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    return _png(figure)


def otd_trend(trend: pd.DataFrame, lang: Lang) -> bytes:
    title = label("brief.otd_trend", lang)
    if trend.empty:
        return _empty(title, lang)
    plt = _pyplot()
    from matplotlib.dates import DateFormatter
    from matplotlib.ticker import PercentFormatter

    figure, axes = plt.subplots(figsize=(7.4, 2.7))
    days = pd.to_datetime(trend["kpi_date"])
    axes.bar(days, trend["value"], width=0.8, color="#A9C6E8", label=label("brief.otd_daily", lang))
    axes.plot(
        days, trend["rolling_value"], color=ACCENT, lw=2, label=label("brief.otd_rolling", lang)
    )
    axes.step(
        days,
        trend["target"],
        where="mid",
        color=STATUS_STRONG["red"],
        lw=1.2,
        ls="--",
        label=label("heatmap.target", lang),
    )
    axes.set_ylim(0, 1.05)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    axes.legend(loc="lower left", fontsize=7, frameon=False, ncols=3)
    axes.grid(axis="y", color="#EEEEEE")
    _style(axes, title)
    return _png(figure)


def fpy_by_team_hour(frame: pd.DataFrame, lang: Lang) -> bytes:
    title = label("brief.fpy_heatmap", lang)
    if frame.empty or frame["first_pass_yield"].isna().all():
        return _empty(title, lang)
    plt = _pyplot()
    from matplotlib.ticker import PercentFormatter

    grid = frame.pivot_table(
        index="team_name", columns="hour_of_day", values="first_pass_yield", aggfunc="first"
    ).reindex(columns=range(24))
    figure, axes = plt.subplots(figsize=(7.4, 0.8 + 0.32 * len(grid)))
    low = max(0.8, float(np.nanmin(grid.to_numpy())))
    image = axes.imshow(grid.to_numpy(), cmap="RdYlGn", vmin=low, vmax=1.0, aspect="auto")
    axes.set_yticks(range(len(grid)))
    axes.set_yticklabels(grid.index, fontsize=7.5)
    axes.set_xticks(range(24))
    axes.set_xticklabels([f"{hour:02d}" for hour in range(24)], fontsize=7)
    axes.set_xlabel(label("brief.hour_of_day", lang), fontsize=8)
    bar = figure.colorbar(image, ax=axes, fraction=0.03, pad=0.01)
    bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    bar.ax.tick_params(labelsize=7)
    _style(axes, title)
    return _png(figure)


def oee_waterfall(losses: dict[str, float], lang: Lang) -> bytes:
    """Planned busy time, minus each loss, down to fully productive time (hours)."""
    title = label("brief.oee_waterfall", lang)
    planned = losses["planned_busy"] / 60
    if planned <= 0:
        return _empty(title, lang)
    plt = _pyplot()
    run, ideal, productive = (losses[key] / 60 for key in ("run", "ideal", "productive"))
    steps = [
        ("brief.oee.planned", 0.0, planned, ACCENT),
        ("brief.oee.availability_loss", run, planned - run, STATUS_STRONG["red"]),
        ("brief.oee.performance_loss", ideal, run - ideal, STATUS_STRONG["yellow"]),
        ("brief.oee.quality_loss", productive, ideal - productive, "#ED8936"),
        ("brief.oee.productive", 0.0, productive, STATUS_STRONG["green"]),
    ]
    figure, axes = plt.subplots(figsize=(7.4, 2.8))
    for x, (key, bottom, height, colour) in enumerate(steps):
        axes.bar(x, height, bottom=bottom, color=colour, width=0.6)
        sign = "−" if key.endswith("_loss") else ""
        axes.text(x, bottom + height, f"{sign}{height:,.1f}", ha="center", va="bottom", fontsize=8)
    axes.set_xticks(range(len(steps)))
    axes.set_xticklabels([label(key, lang) for key, *_ in steps], fontsize=8)
    axes.set_ylabel(label("brief.hours", lang), fontsize=8)
    axes.text(
        len(steps) - 1,
        productive / 2,
        f"OEE\n{productive / planned * 100:.1f}%",
        ha="center",
        va="center",
        color="white",
        fontsize=9,
    )
    axes.grid(axis="y", color="#EEEEEE")
    axes.set_axisbelow(True)
    _style(axes, title)
    return _png(figure)


def contribution_flow(frame: pd.DataFrame, lang: Lang) -> bytes:
    """Points per stage, in stage order, for the largest orders delivered in the window."""
    title = label("brief.contribution", lang)
    if frame.empty:
        return _empty(title, lang)
    plt = _pyplot()
    stages = frame.sort_values("stage_order")["stage"].drop_duplicates().tolist()
    orders = frame["order_id"].drop_duplicates().tolist()
    grid = frame.pivot_table(index="order_id", columns="stage", values="points", aggfunc="sum")
    grid = grid.reindex(index=orders, columns=stages).fillna(0.0)
    figure, axes = plt.subplots(figsize=(7.4, 0.9 + 0.28 * len(orders)))
    left = np.zeros(len(orders))
    for index, stage in enumerate(stages):
        values = grid[stage].to_numpy()
        axes.barh(
            range(len(orders)),
            values,
            left=left,
            color=STAGE_COLOURS[index % len(STAGE_COLOURS)],
            label=optional_label(f"stage.{stage}", lang, stage),
            height=0.65,
        )
        left += values
    for y, total in enumerate(left):
        axes.text(total, y, f" {total:,.1f}", va="center", fontsize=7)
    axes.set_yticks(range(len(orders)))
    axes.set_yticklabels(orders, fontsize=7.5)
    axes.invert_yaxis()
    axes.set_xlabel(label("brief.points", lang), fontsize=8)
    axes.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.18),
        ncols=min(len(stages), 6),
        fontsize=7,
        frameon=False,
    )
    _style(axes, title)
    return _png(figure)
