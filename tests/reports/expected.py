"""A window's KPI figures recomputed outside the report, to compare the drops with.

Additive KPIs: the window's daily numerators and denominators summed from `kpi_daily`
(a day has a row whenever either side has events). OEE: the window's summed components
(ideal x good / produced / planned busy), never the sum of daily OEE numerators. Response
hours: the answered signals raised in the window, straight from `fct_signal_response`.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np

Key = tuple[str, str, str]  # scope type, scope id, kpi code
SCOPES = ("plant", "department", "team")
OEE_COMPONENTS = ("availability", "performance", "quality_rate")
SIGNAL_KPIS = ("response_hours_median", "response_hours_p90", "auto_trigger_share")


def window_figures(
    con: duckdb.DuckDBPyConnection, start: date, end: date, plant_id: str = "P01"
) -> dict[Key, float | None]:
    rows = con.execute(
        """
        select scope_type, scope_id, kpi_code, sum(numerator), sum(denominator)
        from marts.kpi_daily
        where kpi_date between ? and ? and scope_type in ('plant', 'department', 'team')
            and kpi_code not in ('oee', 'response_hours_median', 'response_hours_p90',
                'auto_trigger_share')
        group by all
        """,
        [start, end],
    ).fetchall()
    sums = {(t, i, c): (float(n), float(d)) for t, i, c, n, d in rows}
    figures: dict[Key, float | None] = {key: (n / d if d else None) for key, (n, d) in sums.items()}
    for scope_type, scope_id in {(t, i) for t, i, c in sums if c in OEE_COMPONENTS}:
        busy = sums.get((scope_type, scope_id, "availability"), (0.0, 0.0))[1]
        ideal = sums.get((scope_type, scope_id, "performance"), (0.0, 0.0))[0]
        good, produced = sums.get((scope_type, scope_id, "quality_rate"), (0.0, 0.0))
        figures[(scope_type, scope_id, "oee")] = (
            ideal * (good / produced if produced else 0.0) / busy if busy else None
        )
    answered = con.execute(
        "select response_hours, is_auto_triggered from marts.fct_signal_response "
        "where is_responded and signal_date between ? and ?",
        [start, end],
    ).fetchall()
    if answered:
        hours = np.array([float(h) for h, _ in answered])
        plant = ("plant", plant_id)
        figures[(*plant, "response_hours_median")] = float(np.percentile(hours, 50))
        figures[(*plant, "response_hours_p90")] = float(np.percentile(hours, 90))
        figures[(*plant, "auto_trigger_share")] = sum(bool(a) for _, a in answered) / len(answered)
    return figures
