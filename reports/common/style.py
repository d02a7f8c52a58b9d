"""Numbers and colours: one place, so the workbook and the brief format a KPI the same way
(the PDF tests look for the headline figures exactly as formatted here)."""

from typing import Literal

ValueKind = Literal["percent", "hours", "ratio"]

# Ratios that are not shares: output per head is standard hours per attended hour.
_PLAIN_RATIOS = {"output_per_head"}

# Heatmap column order: delivery and service first, then team quality, then OEE.
KPI_ORDER = (
    "otd_rate",
    "complaint_rate",
    "first_pass_yield",
    "rework_rate",
    "downtime_rate",
    "output_per_head",
    "oee",
    "availability",
    "performance",
    "quality_rate",
    "response_hours_median",
    "response_hours_p90",
    "auto_trigger_share",
)

# Status colours: fills light enough for black text, strong swatches for charts.
STATUS_FILL = {"green": "#C6EFCE", "yellow": "#FFEB9C", "red": "#FFC7CE"}
STATUS_TEXT = {"green": "#006100", "yellow": "#7F6000", "red": "#9C0006"}
STATUS_STRONG = {"green": "#2E9D5B", "yellow": "#E6A700", "red": "#D64541"}
NO_DATA_FILL = "#F2F2F2"
HEADER_FILL = "#1F3A5F"
HEADER_TEXT = "#FFFFFF"
ACCENT = "#2B6CB0"
MUTED = "#6B7280"
STAGE_COLOURS = ("#2B6CB0", "#6FA8DC", "#38A169", "#ED8936", "#805AD5", "#D69E2E")


def value_kind(kpi_code: str, unit: str | None) -> ValueKind:
    if unit == "hours":
        return "hours"
    if kpi_code in _PLAIN_RATIOS:
        return "ratio"
    return "percent"


def format_value(kpi_code: str, unit: str | None, value: float | None) -> str:
    """Percent with one decimal, hours with one decimal, plain ratios with two."""
    if value is None or value != value:  # None or NaN
        return "—"
    kind = value_kind(kpi_code, unit)
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:.1f} h"
    return f"{value:.2f}"


def excel_format(kind: ValueKind) -> str:
    return {"percent": "0.0%", "hours": '0.0" h"', "ratio": "0.00"}[kind]


def format_money(value: float) -> str:
    return f"{value:,.0f}"
