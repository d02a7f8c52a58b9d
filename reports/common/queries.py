"""Every query the reports run, against the published marts only (STYLE.md, Reports).

Each function returns a pandas frame for one table or chart. Timestamps are converted to
plant time in SQL (`timezone(tz, ts)` gives the plant's wall clock), so no frame carries a
UTC instant a reader could misread. Names come in the report's language, falling back to
the Chinese name where a member has no English one.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import duckdb
import pandas as pd

from reports.common.periods import Period
from reports.common.style import KPI_ORDER
from reports.labels import Lang

# Open orders due within this many days after the as-of date are listed as at risk.
AT_RISK_DAYS = 7
HEATMAP_SCOPES = ("plant", "department", "team")


@dataclass(frozen=True)
class Query:
    """What every query needs: the connection, the window, the language, the plant zone."""

    con: duckdb.DuckDBPyConnection
    period: Period
    lang: Lang
    tz: str = "Asia/Shanghai"

    def frame(self, sql: str, **params: Any) -> pd.DataFrame:
        base = {
            "start": self.period.start,
            "end": self.period.end,
            "evidence_start": self.period.evidence_start,
            "tz": self.tz,
        }
        used = {key: value for key, value in {**base, **params}.items() if f"${key}" in sql}
        return self.con.execute(sql, used).df()

    def name(self, column: str) -> str:
        """`column` in the report's language (the `_en` twin, else the Chinese name)."""
        return column if self.lang == "zh" else f"coalesce({column}_en, {column})"


def _in_list(values: tuple[str, ...] | frozenset[str]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


def heatmap_cells(q: Query) -> pd.DataFrame:
    """One row per scope × KPI over the window, with its value and status as published.

    A day is the `kpi_daily` row of the as-of date. A week or a month is the `kpi_period`
    row of the window (period start to the as-of date): the period's own numerator and
    denominator, whatever day each side fell on (SPEC 5.6), OEE from the period's summed
    components and response hours over the period's signals; target, thresholds and status
    are those in force on the window's last day. The report never re-derives a figure.
    """
    columns = """
        scope_type, scope_id, kpi_code, kpi_name, kpi_name_en, unit, value, numerator,
        denominator, target, coalesce(yellow_threshold, target) as yellow_threshold,
        coalesce(red_threshold, yellow_threshold, target) as red_threshold, direction, status
    """
    scopes = _in_list(HEATMAP_SCOPES)
    if q.period.kind == "day":
        return q.frame(
            f"""
            select {columns} from marts.kpi_daily
            where kpi_date = $end and scope_type in ({scopes})
            order by scope_type, scope_id, kpi_code
            """
        )
    return q.frame(
        f"""
        select {columns} from marts.kpi_period
        where period_type = $kind and period_start = $start and period_end = $end
            and scope_type in ({scopes})
        order by scope_type, scope_id, kpi_code
        """,
        kind=q.period.kind,
    )


def kpi_columns(cells: pd.DataFrame) -> list[str]:
    """The KPIs present in the window: known ones in the house order, new ones after."""
    present = list(dict.fromkeys(cells["kpi_code"]))
    known = [code for code in KPI_ORDER if code in present]
    return known + sorted(code for code in present if code not in KPI_ORDER)


def heatmap_scopes(q: Query, cells: pd.DataFrame) -> pd.DataFrame:
    """Rows of the heatmap: the plant, then each department followed by its teams.

    Only scopes with at least one KPI in the window appear. Department names come from
    the employee and team dimensions (sales and finance have no teams)."""
    departments = q.frame(
        f"""
        select department_id, any_value({q.name("department_name")}) as name
        from (
            select department_id, department_name, department_name_en from marts.dim_employee
            union all
            select department_id, department_name, department_name_en from marts.dim_team
        )
        where department_id is not null
        group by department_id
        """
    )
    teams = q.frame(
        f"""
        select team_id, {q.name("team_name")} as name, department_id
        from marts.dim_team
        """
    )
    present = set(zip(cells["scope_type"], cells["scope_id"], strict=True))
    dept_names = dict(zip(departments["department_id"], departments["name"], strict=True))
    rows: list[dict[str, Any]] = []
    for scope_type, scope_id in sorted(present):
        if scope_type == "plant":
            rows.append({"scope_type": "plant", "scope_id": scope_id, "name": scope_id, "sort": ""})
    team_departments = dict(zip(teams["team_id"], teams["department_id"], strict=True))
    team_names = dict(zip(teams["team_id"], teams["name"], strict=True))
    dept_ids = {scope_id for scope_type, scope_id in present if scope_type == "department"}
    dept_ids |= {
        team_departments.get(scope_id, "")
        for scope_type, scope_id in present
        if scope_type == "team"
    }
    for dept_id in sorted(dept_ids - {""}):
        # A department heads its teams even when it has no KPI rows of its own.
        rows.append(
            {
                "scope_type": "department",
                "scope_id": dept_id,
                "name": dept_names.get(dept_id, dept_id),
                "sort": dept_id,
            }
        )
        for scope_type, scope_id in sorted(present):
            if scope_type == "team" and team_departments.get(scope_id) == dept_id:
                rows.append(
                    {
                        "scope_type": "team",
                        "scope_id": scope_id,
                        "name": team_names.get(scope_id, scope_id),
                        "sort": f"{dept_id}/{scope_id}",
                    }
                )
    orphans = [
        scope_id
        for scope_type, scope_id in sorted(present)
        if scope_type == "team" and not team_departments.get(scope_id)
    ]
    rows.extend(
        {"scope_type": "team", "scope_id": scope_id, "name": scope_id, "sort": scope_id}
        for scope_id in orphans
    )
    return pd.DataFrame(rows, columns=["scope_type", "scope_id", "name", "sort"])


def kpi_detail(q: Query) -> pd.DataFrame:
    return q.frame(
        f"""
        select
            scope_type || ':' || scope_id as scope_key,
            kpi_date, scope_type, scope_id, kpi_code,
            {q.name("kpi_name")} as kpi_name, unit,
            value, numerator, denominator, target, status,
        from marts.kpi_daily
        where kpi_date between $start and $end
            and scope_type in ({_in_list(HEATMAP_SCOPES)})
        order by kpi_code, scope_type, scope_id, kpi_date
        """
    )


def otd_orders(q: Query) -> pd.DataFrame:
    """Late and past-due orders promised in the window, then open orders due soon.

    The anchor evidence is the pair of quantities that define delivery (SPEC 5.1): signed
    and net invoiced against ordered, with the moments each side was first/last reached."""
    return q.frame(
        f"""
        with listed as (
            select
                delivery.*,
                case
                    when delivery.promised_date > $end then 'at_risk'
                    when delivery.is_delivered then 'late'
                    else 'past_due'
                end as otd_kind,
            from marts.fct_order_delivery as delivery
            where not delivery.is_cancelled
                and (
                    (delivery.is_otd_relevant
                        and delivery.promised_date between $start and $end
                        and not delivery.is_on_time)
                    or (not delivery.is_delivered
                        and delivery.promised_date > $end
                        and delivery.promised_date <= $end + {AT_RISK_DAYS})
                )
        )
        select
            'department:' || listed.department_id as scope_key,
            listed.department_id,
            listed.order_id,
            order_360.customer_name,
            {q.name("order_360.salesperson_name")} as salesperson,
            listed.otd_kind,
            listed.promised_date,
            listed.first_committed_date,
            listed.customer_change_count,
            listed.plant_change_count,
            listed.ordered_qty,
            listed.signed_qty,
            listed.net_invoiced_qty,
            timezone($tz, order_360.first_signed_at) as first_signed_at,
            timezone($tz, order_360.last_invoiced_at) as last_invoiced_at,
            timezone($tz, listed.delivered_at) as delivered_at,
            listed.days_late,
            listed.net_amount_cny,
        from listed
        left join marts.order_360 as order_360
            on listed.order_id = order_360.order_id
        order by
            listed.department_id,
            listed.otd_kind = 'at_risk',
            listed.promised_date,
            listed.order_id
        """
    )


def team_quality_rows(q: Query) -> pd.DataFrame:
    return q.frame(
        f"""
        select
            'team:' || hourly.team_id as scope_key,
            team.department_id,
            hourly.team_id,
            {q.name("team.team_name")} as team_name,
            hourly.line_id,
            hourly.hour_date,
            hourly.hour_of_day,
            hourly.produced_qty,
            hourly.good_qty,
            hourly.first_inspected_qty,
            hourly.first_passed_qty,
            hourly.reworked_qty,
            hourly.planned_production_minutes,
            hourly.unplanned_downtime_minutes,
            hourly.standard_hours_earned,
            hourly.attended_hours,
            hourly.first_pass_yield,
            hourly.rework_rate,
            hourly.downtime_rate,
            hourly.output_per_head,
            hourly.is_line_threshold_breached,
        from marts.fct_team_quality_hourly as hourly
        left join marts.dim_team as team
            on hourly.team_id = team.team_id
        where hourly.hour_date between $start and $end
        order by team.department_id, hourly.team_id, hourly.hour_date, hourly.hour_of_day
        """
    )


def oee_rows(q: Query) -> pd.DataFrame:
    return q.frame(
        f"""
        select
            'team:' || shift.team_id as scope_key,
            team.department_id,
            shift.line_id,
            shift.team_id,
            shift.machine_id,
            {q.name("machine.machine_name")} as machine_name,
            shift.shift_date,
            shift.shift_code,
            shift.planned_busy_minutes,
            shift.unplanned_downtime_minutes,
            shift.run_minutes,
            shift.ideal_minutes,
            shift.produced_qty,
            shift.good_qty,
            shift.availability,
            shift.performance,
            shift.quality,
            shift.oee,
        from marts.fct_oee_shift as shift
        left join marts.dim_machine as machine
            on shift.machine_id = machine.machine_id
        left join marts.dim_team as team
            on shift.team_id = team.team_id
        where shift.shift_date between $start and $end
        order by team.department_id, shift.team_id, shift.machine_id, shift.shift_date,
            shift.shift_code
        """
    )


_CONTRIBUTIONS = """
    contributions as (
        select contribution.*, employee.department_id,
            {employee_name} as employee_name, {department_name} as department_name,
        from marts.fct_order_contribution as contribution
        left join marts.dim_employee as employee
            on contribution.employee_id = employee.employee_id
        where contribution.delivered_date between $start and $end
    )
"""


def _contributions_cte(q: Query) -> str:
    return _CONTRIBUTIONS.format(
        employee_name=q.name("employee.employee_name"),
        department_name=q.name("employee.department_name"),
    )


def contribution_by_employee(q: Query) -> pd.DataFrame:
    return q.frame(
        f"""
        with {_contributions_cte(q)}
        select
            'department:' || coalesce(department_id, '-') as scope_key,
            employee_id,
            employee_name,
            department_name,
            sum(points) as points,
            count(distinct order_id) as orders,
            string_agg(distinct stage, ', ' order by stage) as stages,
        from contributions
        group by employee_id, employee_name, department_id, department_name
        order by points desc, employee_id nulls last
        """
    )


def contribution_by_department(q: Query) -> pd.DataFrame:
    return q.frame(
        f"""
        with {_contributions_cte(q)}
        select
            department_id,
            department_name,
            sum(points) as points,
            sum(points) / sum(sum(points)) over () as share,
            count(distinct order_id) as orders,
            count(distinct employee_id) as employees,
        from contributions
        group by department_id, department_name
        order by points desc
        """
    )


def signals(q: Query) -> pd.DataFrame:
    return q.frame(
        """
        select
            'plant' as scope_key,
            signal_id, signal_type, case_number, is_complaint, is_escalated, priority,
            customer_id, order_id, line_id,
            timezone($tz, signal_at) as signal_at,
            timezone($tz, first_action_at) as first_action_at,
            first_action_type, response_hours, is_auto_triggered,
        from marts.fct_signal_response
        where signal_date between $evidence_start and $end
        order by signal_at, signal_id
        """
    )


RESPONSE_MONTHS = 6  # the as-of month and the five before it
RESPONSE_KPIS = ("response_hours_median", "response_hours_p90", "auto_trigger_share")


def response_by_month(q: Query) -> pd.DataFrame:
    """Response speed per plant month (SPEC 5.5, 8.5), the as-of month (to date) and the
    five before it: the plant's `kpi_period` month rows as published (median and p90
    response hours, auto-triggered share; answered = their denominator), each month at its
    last day in the data, with the signals raised in it (`fct_signal_response`)."""
    start = q.period.end.replace(day=1)
    for _ in range(RESPONSE_MONTHS - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    codes = _in_list(RESPONSE_KPIS)
    return q.frame(
        f"""
        with months as (
            select period_start, max(period_end) as period_end
            from marts.kpi_period
            where period_type = 'month' and scope_type = 'plant'
                and period_start >= $months_start and period_end <= $end
            group by period_start
        ),
        figures as (
            select
                months.period_start as month_start,
                months.period_end as month_end,
                max(case when kpi.kpi_code = 'response_hours_median' then kpi.value end)
                    as response_hours_median,
                max(case when kpi.kpi_code = 'response_hours_p90' then kpi.value end)
                    as response_hours_p90,
                max(case when kpi.kpi_code = 'auto_trigger_share' then kpi.value end)
                    as auto_trigger_share,
                max(case when kpi.kpi_code = 'response_hours_median' then kpi.denominator end)
                    as signals_answered
            from months
            inner join marts.kpi_period as kpi
                on kpi.period_type = 'month' and kpi.scope_type = 'plant'
                and kpi.period_start = months.period_start
                and kpi.period_end = months.period_end
                and kpi.kpi_code in ({codes})
            group by all
        ),
        raised as (
            select date_trunc('month', signal_date)::date as month_start, count(*) as signals
            from marts.fct_signal_response
            where signal_date between $months_start and $end
            group by all
        )
        select
            strftime(figures.month_start, '%Y-%m') as month,
            figures.month_start,
            figures.month_end,
            coalesce(raised.signals, 0) as signals_raised,
            coalesce(figures.signals_answered, 0) as signals_answered,
            figures.response_hours_median,
            figures.response_hours_p90,
            figures.auto_trigger_share
        from figures
        left join raised on raised.month_start = figures.month_start
        order by figures.month_start
        """,
        months_start=start,
    )


def reconciliation_disputes(q: Query) -> pd.DataFrame:
    return q.frame(
        """
        select
            recon.order_id,
            customer.customer_name,
            recon.promised_date,
            recon.reconciliation_status,
            timezone($tz, recon.delivered_at) as delivered_at,
            timezone($tz, recon.sales_completed_at) as sales_completed_at,
            timezone($tz, recon.shipped_at) as shipped_at,
            timezone($tz, recon.paid_at) as paid_at,
            recon.sales_days_vs_anchor,
            recon.logistics_days_vs_anchor,
            recon.finance_days_vs_anchor,
        from marts.fct_order_reconciliation as recon
        left join marts.dim_customer as customer
            on recon.customer_id = customer.customer_id
        where recon.promised_date between $start and $end
            and not recon.is_cancelled
            and recon.reconciliation_status <> 'all_agree'
        order by recon.reconciliation_status, recon.promised_date, recon.order_id
        """
    )


def completion_by_view(q: Query) -> pd.DataFrame:
    """Counts are additive, so a week or month sums the mart's day rows and divides once."""
    return q.frame(
        """
        with summed as (
            select
                view_code,
                min(view_order) as view_order,
                sum(orders_due) as orders_due,
                sum(orders_complete) as orders_complete,
                sum(orders_on_time) as orders_on_time,
            from marts.fct_completion_rates
            where period_type = 'day' and period_start between $start and $end
            group by view_code
        ),
        rated as (
            select *,
                orders_complete / nullif(orders_due, 0) as completion_rate,
                orders_on_time / nullif(orders_due, 0) as on_time_rate,
            from summed
        )
        select
            rated.*,
            100 * (rated.on_time_rate - anchor.on_time_rate) as on_time_gap_pp,
        from rated
        left join rated as anchor
            on anchor.view_code = 'anchor'
        order by rated.view_order
        """
    )


def latest_publish(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    row = con.execute(
        """
        select run_id, published_at, data_through, checks_passed, checks_failed, checks
        from meta.publish_log
        order by published_at desc
        limit 1
        """
    ).fetchone()
    if row is None:
        return None
    keys = ("run_id", "published_at", "data_through", "checks_passed", "checks_failed", "checks")
    return dict(zip(keys, row, strict=True))


# Brief charts ----------------------------------------------------------------------------


def otd_trend(q: Query, weeks: int = 8) -> pd.DataFrame:
    """Plant OTD by promised date over the last `weeks` weeks, with a 7-day rolling rate
    (sums of the daily numerators and denominators, not an average of daily rates)."""
    return q.frame(
        """
        with days as (
            select kpi_date, numerator, denominator, value, target
            from marts.kpi_daily
            where scope_type = 'plant' and kpi_code = 'otd_rate'
                and kpi_date between $from_date and $end
        )
        select
            kpi_date, value, target,
            sum(numerator) over last_week / sum(denominator) over last_week as rolling_value,
        from days
        window last_week as (
            order by kpi_date range between interval 6 days preceding and current row
        )
        order by kpi_date
        """,
        from_date=q.period.end - timedelta(weeks=weeks),
    )


def fpy_by_team_hour(q: Query) -> pd.DataFrame:
    return q.frame(
        f"""
        select
            hourly.team_id,
            {q.name("team.team_name")} as team_name,
            hourly.hour_of_day,
            sum(hourly.first_passed_qty) / nullif(sum(hourly.first_inspected_qty), 0)
                as first_pass_yield,
        from marts.fct_team_quality_hourly as hourly
        left join marts.dim_team as team
            on hourly.team_id = team.team_id
        where hourly.hour_date between $start and $end
        group by all
        order by hourly.team_id, hourly.hour_of_day
        """
    )


def oee_losses(q: Query) -> dict[str, float]:
    """ISO 22400 time model for the plant over the window, in minutes."""
    frame = q.frame(
        """
        select
            coalesce(sum(planned_busy_minutes), 0) as planned_busy,
            coalesce(sum(run_minutes), 0) as run,
            coalesce(sum(ideal_minutes), 0) as ideal,
            coalesce(sum(ideal_minutes * good_qty / nullif(produced_qty, 0)), 0) as productive,
        from marts.fct_oee_shift
        where shift_date between $start and $end
        """
    )
    return {key: float(value) for key, value in frame.iloc[0].items()}


def top_order_contributions(q: Query, limit: int = 10) -> pd.DataFrame:
    """Points by stage for the orders with the largest pools delivered in the window."""
    return q.frame(
        """
        with top_orders as (
            select order_id, points_pool
            from marts.fct_order_delivery
            where is_delivered and delivered_date between $start and $end
            order by points_pool desc, order_id
            limit $limit
        )
        select
            top_orders.order_id, top_orders.points_pool,
            contribution.stage, min(contribution.stage_order) as stage_order,
            sum(contribution.points) as points,
        from top_orders
        inner join marts.fct_order_contribution as contribution
            on top_orders.order_id = contribution.order_id
        group by all
        order by top_orders.points_pool desc, top_orders.order_id, stage_order
        """,
        limit=limit,
    )
