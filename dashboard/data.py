"""Every query the dashboard runs, against the published marts only.

Each function takes a read-only connection to the published file and returns plain frames
or dataclasses, so the pages only lay them out and the tests can check the numbers without
a browser. Nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from perfchain.core.published import open_published
from reports.common import queries
from reports.common.periods import Period, period_window
from reports.labels import Lang


@contextmanager
def open_latest(published_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the file published now, for one page load.

    `duckdb.connect(path)` shares one database per path within a process while any
    connection to it is open, so with page loads overlapping, a connect after a publish
    (a new file moved onto the path) could still read the replaced file. An in-memory
    database that attaches the path read-only opens the file afresh every time. When
    another process holds the file read-write, `open_published` reads a private copy.
    """
    con = duckdb.connect(":memory:")
    try:
        quoted = str(published_path).replace("'", "''")
        con.execute(f"attach '{quoted}' as published (read_only)")
        con.execute("use published")
    except duckdb.IOException as error:
        con.close()
        if "Could not set lock" not in str(error):
            raise
    else:
        try:
            yield con
        finally:
            con.close()
        return
    with open_published(published_path) as snapshot:
        yield snapshot


def file_identity(path: Path) -> tuple[int, int, int]:
    """What changes when a publish replaces the file (a new inode, size or time): the key
    of every cached frame, so a new publish is read on the next page load."""
    stat = path.stat()
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return (
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
        > 0
    )


@dataclass(frozen=True)
class PublishInfo:
    run_id: str | None
    published_at: Any
    data_through: date | None


def publish_info(con: duckdb.DuckDBPyConnection) -> PublishInfo:
    """The latest publish the file records; its data-through date bounds every page."""
    latest = queries.latest_publish(con) if table_exists(con, "meta", "publish_log") else None
    if latest is not None:
        return PublishInfo(latest["run_id"], latest["published_at"], latest["data_through"])
    through = con.execute("select max(kpi_date) from marts.kpi_daily").fetchone()[0]
    return PublishInfo(None, None, through)


# KPI health heatmap ------------------------------------------------------------------------


def kpi_date_bounds(con: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """The first and last day of `kpi_daily`: the range the date pickers offer."""
    first, last = con.execute("select min(kpi_date), max(kpi_date) from marts.kpi_daily").fetchone()
    return first, last


@dataclass(frozen=True)
class Heatmap:
    period: Period
    cells: pd.DataFrame  # scope_type, scope_id, kpi_code, value, status, ...
    scopes: pd.DataFrame  # scope_type, scope_id, name: the rows, in the report's order
    kpis: list[str]  # the columns, in the report's order


def heatmap(con: duckdb.DuckDBPyConnection, as_of: date, kind: str, lang: Lang) -> Heatmap:
    """The report's heatmap (reports/common/queries.py): the same cells, the same order."""
    q = queries.Query(con, period_window(as_of, kind), lang)
    cells = queries.heatmap_cells(q)
    return Heatmap(q.period, cells, queries.heatmap_scopes(q, cells), queries.kpi_columns(cells))


# Drill-down: a heatmap cell → its kpi_daily rows → the fact rows that count --------------

# How each source model's rows count towards a KPI: the fact, its date column, and the
# numerator and denominator each row contributes (summed, then divided once, as in
# dbt_project/models/intermediate/kpis/int_*_kpis_computed.sql).
_TEAM_HOURS = {
    "first_pass_yield": ("first_passed_qty", "first_inspected_qty"),
    "rework_rate": ("reworked_qty", "produced_qty"),
    "downtime_rate": ("unplanned_downtime_minutes", "planned_production_minutes"),
    "output_per_head": ("standard_hours_earned", "attended_hours"),
}
_MACHINE_SHIFTS = {
    "availability": ("run_minutes", "planned_busy_minutes"),
    "performance": ("ideal_minutes", "run_minutes"),
    "quality_rate": ("good_qty", "produced_qty"),
    # OEE's numerator is not a row sum: ideal × (good ÷ produced) over the summed rows.
    "oee": (None, "planned_busy_minutes"),
}


@dataclass
class SourceRows:
    model: str  # the published mart the rows come from
    rows: pd.DataFrame  # every counting row (the drill-down's bottom)
    numerator: float | None = None  # recomputed from `rows`
    denominator: float | None = None
    note: str = ""


@dataclass
class Drilldown:
    kpi_code: str
    scope_type: str
    scope_id: str
    start: date
    end: date
    kpi_rows: pd.DataFrame  # the kpi_daily rows of the cell (one for a day)
    period_row: dict[str, Any] | None  # the kpi_period row of a week or month cell
    source_model: str | None
    sources: list[SourceRows] = field(default_factory=list)


def _scope_filter(scope_type: str, alias: str, *, team: str, line: str, machine: str) -> str:
    """A SQL condition selecting a scope's fact rows (`?` is the scope id)."""
    if scope_type == "plant":
        return "? is not null"
    if scope_type == "team" and team:
        return f"{alias}.{team} = ?"
    if scope_type == "line" and line:
        return f"{alias}.{line} = ?"
    if scope_type == "machine" and machine:
        return f"{alias}.{machine} = ?"
    if scope_type == "department" and team:
        return f"{alias}.{team} in (select team_id from marts.dim_team where department_id = ?)"
    raise ValueError(f"no fact rows for scope {scope_type}")


def drilldown(
    con: duckdb.DuckDBPyConnection,
    kpi_code: str,
    scope_type: str,
    scope_id: str,
    start: date,
    end: date,
    kind: str = "day",
) -> Drilldown:
    """The cell's kpi_daily rows, the KPI's source model followed to the fact rows that
    count, and the numerator and denominator recomputed from those rows."""
    kpi_rows = con.execute(
        """
        select kpi_date, scope_type, scope_id, kpi_code, kpi_name, kpi_name_en, unit, value,
            numerator, denominator, target, yellow_threshold, red_threshold, direction,
            status, target_source, source_model, kpi_daily_id
        from marts.kpi_daily
        where kpi_code = ? and scope_type = ? and scope_id = ? and kpi_date between ? and ?
        order by kpi_date
        """,
        [kpi_code, scope_type, scope_id, start, end],
    ).df()
    period_row = None
    if kind != "day":
        cursor = con.execute(
            """
            select * from marts.kpi_period
            where kpi_code = ? and scope_type = ? and scope_id = ? and period_type = ?
                and period_start = ? and period_end = ?
            """,
            [kpi_code, scope_type, scope_id, kind, start, end],
        )
        found = cursor.fetchone()
        if found is not None:
            period_row = dict(zip([d[0] for d in cursor.description], found, strict=True))
    source_model = None
    if len(kpi_rows):
        source_model = (
            kpi_rows["source_model"].dropna().iloc[0]
            if kpi_rows["source_model"].notna().any()
            else None
        )
    elif period_row:
        source_model = period_row.get("source_model")
    result = Drilldown(
        kpi_code, scope_type, scope_id, start, end, kpi_rows, period_row, source_model
    )
    if source_model:
        result.sources = _source_rows(con, kpi_code, scope_type, scope_id, start, end)
    return result


def _sum(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].fillna(0).sum()) if len(frame) else 0.0


def _source_rows(
    con: duckdb.DuckDBPyConnection,
    kpi_code: str,
    scope_type: str,
    scope_id: str,
    start: date,
    end: date,
) -> list[SourceRows]:
    if kpi_code in _TEAM_HOURS:
        numerator, denominator = _TEAM_HOURS[kpi_code]
        where = _scope_filter(scope_type, "hourly", team="team_id", line="line_id", machine="")
        rows = con.execute(
            f"""
            select hourly.team_hour_id, hourly.team_id, hourly.line_id, hourly.hour_date,
                hourly.hour_of_day, hourly.{numerator}, hourly.{denominator},
                hourly.produced_qty, hourly.good_qty
            from marts.fct_team_quality_hourly as hourly
            where hourly.hour_date between ? and ? and {where}
                and (hourly.{numerator} > 0 or hourly.{denominator} > 0)
            order by hourly.hour_date, hourly.team_id, hourly.hour_of_day
            """,
            [start, end, scope_id],
        ).df()
        rows = rows.loc[:, ~rows.columns.duplicated()]
        return [
            SourceRows(
                "fct_team_quality_hourly",
                rows,
                _sum(rows, numerator),
                _sum(rows, denominator),
                f"{numerator} ÷ {denominator}",
            )
        ]
    if kpi_code in _MACHINE_SHIFTS:
        numerator, denominator = _MACHINE_SHIFTS[kpi_code]
        where = _scope_filter(
            scope_type, "shift", team="team_id", line="line_id", machine="machine_id"
        )
        rows = con.execute(
            f"""
            select shift.machine_shift_id, shift.machine_id, shift.line_id, shift.team_id,
                shift.shift_date, shift.shift_code, shift.planned_busy_minutes,
                shift.run_minutes, shift.ideal_minutes, shift.produced_qty, shift.good_qty,
                shift.availability, shift.performance, shift.quality, shift.oee
            from marts.fct_oee_shift as shift
            where shift.shift_date between ? and ? and {where}
            order by shift.shift_date, shift.machine_id, shift.shift_code
            """,
            [start, end, scope_id],
        ).df()
        if numerator is None:
            produced = _sum(rows, "produced_qty")
            ideal = _sum(rows, "ideal_minutes")
            num = ideal * _sum(rows, "good_qty") / produced if produced else 0.0
            note = "ideal_minutes × good_qty ÷ produced_qty ÷ planned_busy_minutes"
        else:
            num = _sum(rows, numerator)
            note = f"{numerator} ÷ {denominator}"
        return [SourceRows("fct_oee_shift", rows, num, _sum(rows, denominator), note)]
    if kpi_code == "otd_rate":
        where = "? is not null" if scope_type == "plant" else "delivery.department_id = ?"
        rows = con.execute(
            f"""
            select delivery.order_id, delivery.customer_id, delivery.department_id,
                delivery.promised_date, delivery.delivered_at, delivery.is_on_time,
                delivery.delivery_status, delivery.days_late, delivery.ordered_qty,
                delivery.signed_qty, delivery.net_invoiced_qty
            from marts.fct_order_delivery as delivery
            where delivery.is_otd_relevant and delivery.promised_date between ? and ?
                and {where}
            order by delivery.promised_date, delivery.order_id
            """,
            [start, end, scope_id],
        ).df()
        on_time = float(rows["is_on_time"].fillna(False).astype(bool).sum()) if len(rows) else 0
        return [
            SourceRows("fct_order_delivery", rows, on_time, float(len(rows)), "is_on_time ÷ orders")
        ]
    if kpi_code == "complaint_rate":
        complaints = con.execute(
            """
            select signal_id, case_number, customer_id, order_id, signal_at, signal_date
            from marts.fct_signal_response
            where is_complaint and signal_date between ? and ?
            order by signal_at, signal_id
            """,
            [start, end],
        ).df()
        delivered = con.execute(
            """
            select order_id, customer_id, delivered_at, delivered_date, is_on_time
            from marts.fct_order_delivery
            where is_delivered and delivered_date between ? and ?
            order by delivered_at, order_id
            """,
            [start, end],
        ).df()
        return [
            SourceRows("fct_signal_response", complaints, float(len(complaints)), None),
            SourceRows("fct_order_delivery", delivered, None, float(len(delivered))),
        ]
    if kpi_code.startswith(("response_hours", "auto_trigger")):
        # Month to date on a day (int_signal_kpis_computed), the period's own signals else.
        first = start.replace(day=1) if start == end else start
        rows = con.execute(
            """
            select signal_id, signal_type, case_number, order_id, signal_at, first_action_at,
                first_action_type, response_hours, is_auto_triggered
            from marts.fct_signal_response
            where is_responded and signal_date between ? and ?
            order by response_hours desc, signal_id
            """,
            [first, end],
        ).df()
        return [SourceRows("fct_signal_response", rows, None, float(len(rows)))]
    return []


# OEE loss waterfall ------------------------------------------------------------------------

LOSS_STEPS = ("planned_busy", "availability_loss", "performance_loss", "quality_loss")


def oee_losses(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    line_id: str | None = None,
    shift_code: str | None = None,
) -> dict[str, float]:
    """The ISO 22400 time model over the machine shifts, in minutes: planned busy time,
    what availability, performance and quality lose, and the fully productive rest."""
    row = con.execute(
        """
        select
            coalesce(sum(planned_busy_minutes), 0),
            coalesce(sum(run_minutes), 0),
            coalesce(sum(ideal_minutes), 0),
            coalesce(sum(ideal_minutes * good_qty / nullif(produced_qty, 0)), 0),
            count(*)
        from marts.fct_oee_shift
        where shift_date between $start and $end
            and ($line is null or line_id = $line)
            and ($shift is null or shift_code = $shift)
        """,
        {"start": start, "end": end, "line": line_id, "shift": shift_code},
    ).fetchone()
    busy, run, ideal, productive, shifts = (float(value) for value in row)
    return {
        "planned_busy": busy,
        "availability_loss": busy - run,
        "performance_loss": run - ideal,
        "quality_loss": ideal - productive,
        "productive": productive,
        "oee": productive / busy if busy else float("nan"),
        "shifts": shifts,
    }


def oee_losses_by_line_shift(
    con: duckdb.DuckDBPyConnection, start: date, end: date
) -> pd.DataFrame:
    """The same time model for every line × shift of the window, in one query."""
    return con.execute(
        """
        with summed as (
            select line_id, shift_code,
                sum(planned_busy_minutes) as planned_busy,
                sum(run_minutes) as run,
                sum(ideal_minutes) as ideal,
                coalesce(sum(ideal_minutes * good_qty / nullif(produced_qty, 0)), 0)
                    as productive
            from marts.fct_oee_shift
            where shift_date between $start and $end
            group by line_id, shift_code
        )
        select line_id, shift_code, planned_busy,
            planned_busy - run as availability_loss,
            run - ideal as performance_loss,
            ideal - productive as quality_loss,
            productive,
            productive / nullif(planned_busy, 0) as oee
        from summed
        order by line_id, shift_code
        """,
        {"start": start, "end": end},
    ).df()


def lines_and_shifts(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    lines = [
        r[0]
        for r in con.execute(
            "select distinct line_id from marts.fct_oee_shift where line_id is not null order by 1"
        ).fetchall()
    ]
    shifts = [
        r[0]
        for r in con.execute(
            "select distinct shift_code from marts.fct_oee_shift where shift_code is not null "
            "order by 1"
        ).fetchall()
    ]
    return lines, shifts


# Data quality ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateRun:
    run_id: str
    action: str
    published_at: Any
    data_through: date
    checks_passed: int
    checks_failed: int
    checks: list[dict[str, Any]]
    row_counts: dict[str, int]

    @property
    def failing(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if c.get("status") in ("failed", "error")]


def _json(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else value


def gate_runs(con: duckdb.DuckDBPyConnection) -> list[GateRun]:
    """Each publish (or rollback) the file records, newest first, with the gate's checks
    and the sample rows of the failing ones (expectations/publish.py keeps them)."""
    if not table_exists(con, "meta", "publish_log"):
        return []
    rows = con.execute(
        """
        select run_id, action, published_at, data_through, checks_passed, checks_failed,
            checks, row_counts
        from meta.publish_log
        order by published_at desc
        """
    ).fetchall()
    runs = []
    for run_id, action, at, through, passed, failed, checks, counts in rows:
        parsed = [c for c in (_json(checks) or []) if isinstance(c, dict)]
        runs.append(
            GateRun(
                run_id,
                action,
                at,
                through,
                passed or 0,
                failed or 0,
                parsed,
                _json(counts) or {},
            )
        )
    return runs


# Alerts war room ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WarRoom:
    alerts: pd.DataFrame
    messages: pd.DataFrame
    tasks: pd.DataFrame


RECENT_ALERTS = 200  # closed alerts listed at most (open ones: all)


def war_room(con: duckdb.DuckDBPyConnection, open_only: bool = True) -> WarRoom:
    """Alerts (open ones first, most severe first; closed ones only the latest), their
    messages and action tasks."""
    alerts = con.execute(
        f"""
        select alert_id, rule_id, rule_name, level_reached, scope_type, scope_id,
            observed_value, comparator, threshold, opened_at, acknowledged_at, level2_at,
            level3_at, resolved_at, is_open, owner_id, reference
        from marts.fct_alert
        {"where is_open" if open_only else ""}
        order by is_open desc, level_reached desc, opened_at desc, alert_id
        {"" if open_only else f"limit {RECENT_ALERTS}"}
        """
    ).df()
    ids = list(alerts["alert_id"])
    messages = con.execute(
        """
        select alert_id, level, channel, robot, recipient_id, recipient_role, due_at,
            sent_at, state, attempts, last_error
        from marts.fct_alert_message
        where list_contains($ids, alert_id)
        order by alert_id, level, due_at
        """,
        {"ids": ids},
    ).df()
    tasks = con.execute(
        """
        select alert_id, kind, template, assignee_id, assignee_role, due_at, created_at,
            oa_request_id, state, acknowledged_at, completed_at
        from marts.fct_action_task
        where list_contains($ids, alert_id)
        order by alert_id, due_at
        """,
        {"ids": ids},
    ).df()
    return WarRoom(alerts, messages, tasks)


# Contribution trace ------------------------------------------------------------------------


def contribution_trace(con: duckdb.DuckDBPyConnection, order_id: str, lang: Lang) -> pd.DataFrame:
    """The order's contribution rows: stage, weight, who, quantity, points (SPEC 5.7)."""
    name = (
        "employee.employee_name"
        if lang == "zh"
        else ("coalesce(employee.employee_name_en, employee.employee_name)")
    )
    return con.execute(
        f"""
        select contribution.stage, contribution.stage_order, contribution.stage_weight,
            contribution.stage_points, contribution.employee_id, {name} as employee_name,
            contribution.is_unattributed, contribution.recorded_qty, contribution.stage_qty,
            contribution.event_count, contribution.points, contribution.points_pool,
            contribution.delivered_date
        from marts.fct_order_contribution as contribution
        left join marts.dim_employee as employee
            on contribution.employee_id = employee.employee_id
        where contribution.order_id = ?
        order by contribution.stage_order, contribution.points desc, contribution.employee_id
        """,
        [order_id],
    ).df()


def sample_orders(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[str]:
    """Recently delivered orders, to offer in the order search box."""
    return [
        r[0]
        for r in con.execute(
            """
        select order_id from marts.order_360
        order by delivered_at desc nulls last, order_id
        limit ?
        """,
            [limit],
        ).fetchall()
    ]


# Goals and personal card (issue 22: the tables may not be published yet) ---------------

GOAL_TABLES = (
    "fct_goal_attainment",
    "fct_employee_score_explained",
    "fct_employee_score",
)


def goals_configured(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the goal tree is published and holds any goal."""
    if not table_exists(con, "marts", "fct_goal_attainment"):
        return False
    return con.execute("select count(*) from marts.fct_goal_attainment").fetchone()[0] > 0


def goal_tree(con: duckdb.DuckDBPyConnection, period: str | None) -> pd.DataFrame:
    """One row per goal of the period (the latest when None), parents before children."""
    if period is None:
        period = con.execute("select max(period) from marts.fct_goal_attainment").fetchone()[0]
    return con.execute(
        """
        select goal_id, parent_goal_id, owner_type, owner_id, period, kpi_code, scope_type,
            scope_id, direction, target, actual, attainment, weight, rolled_up_attainment,
            value_path, depth
        from marts.fct_goal_attainment
        where period = ?
        order by value_path, depth, goal_id
        """,
        [period],
    ).df()


def kpi_units(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each KPI's unit (ratio, hours) as the KPI definitions seed gives it, so a goal's
    target and actual show as the heatmap shows that KPI."""
    if not table_exists(con, "marts", "kpi_period"):
        return {}
    return dict(
        con.execute("select kpi_code, min(unit) from marts.kpi_period group by kpi_code").fetchall()
    )


def goal_periods(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select distinct period from marts.fct_goal_attainment order by 1 desc"
        ).fetchall()
    ]


@dataclass
class Card:
    employee_id: str
    month: date | None
    employee: dict[str, Any]
    score: dict[str, Any] | None
    explained: pd.DataFrame
    badges: pd.DataFrame
    capabilities: pd.DataFrame


def employees_with_scores(con: duckdb.DuckDBPyConnection) -> list[str]:
    if not table_exists(con, "marts", "fct_employee_score"):
        return []
    return [
        r[0]
        for r in con.execute(
            "select distinct employee_id from marts.fct_employee_score order by 1"
        ).fetchall()
    ]


def person_card(
    con: duckdb.DuckDBPyConnection, employee_id: str, month: date | None = None
) -> Card | None:
    """The personal card's data from the published goal and recognition marts; None when
    the employee has no score (or the marts are not published)."""
    if not table_exists(con, "marts", "fct_employee_score"):
        return None
    if month is None:
        month = con.execute(
            "select max(month) from marts.fct_employee_score where employee_id = ?",
            [employee_id],
        ).fetchone()[0]
    if month is None:
        return None
    cursor = con.execute(
        "select * from marts.fct_employee_score where employee_id = ? and month = ?",
        [employee_id, month],
    )
    found = cursor.fetchone()
    score = dict(zip([d[0] for d in cursor.description], found, strict=True)) if found else None
    cursor = con.execute("select * from marts.dim_employee where employee_id = ?", [employee_id])
    found = cursor.fetchone()
    employee = dict(zip([d[0] for d in cursor.description], found, strict=True)) if found else {}
    empty = pd.DataFrame()
    explained = (
        con.execute(
            """
            select goal_id, kpi_code, weight, weight_effective_from, actual, target,
                attainment, score_contribution
            from marts.fct_employee_score_explained
            where employee_id = ? and month = ?
            order by score_contribution desc, goal_id
            """,
            [employee_id, month],
        ).df()
        if table_exists(con, "marts", "fct_employee_score_explained")
        else empty
    )
    badges = (
        con.execute(
            """
            select badge_code, badge_name, badge_name_en, level, awarded_at, evidence
            from marts.fct_badge_award where employee_id = ? order by awarded_at desc
            """,
            [employee_id],
        ).df()
        if table_exists(con, "marts", "fct_badge_award")
        else empty
    )
    capabilities = (
        con.execute(
            """
            select skill_code, skill_name, skill_name_en, evidence_count, last_evidence_at,
                level
            from marts.fct_capability_profile where employee_id = ?
            order by level desc, evidence_count desc, skill_code
            """,
            [employee_id],
        ).df()
        if table_exists(con, "marts", "fct_capability_profile")
        else empty
    )
    return Card(employee_id, month, employee, score, explained, badges, capabilities)
