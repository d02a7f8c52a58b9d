"""The report's period figures on a published file written by hand: a January whose only
complaint fell on a Saturday without deliveries, and an order promised on one day and
delivered on another.

The marts hold what dbt writes for these facts (see the unit tests of
int_period_kpis_computed): kpi_daily carries the Saturday's row with denominator 0, and
kpi_period the month's own numerator and denominator. The drop must show the month as
1 complaint / 2 delivered orders, list that complaint on its signal sheet, and show the
daily rows behind it on its KPI sheet.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from reports.common import queries
from reports.common.periods import period_window

AS_OF = date(2026, 1, 31)  # a Saturday: the complaint's day, nothing delivered

# Facts: orders A and B delivered on Friday 01-30; complaint S1 opened Saturday 01-31. OTD by
# promised date: A promised 01-30 and delivered early (on time); B promised 01-29 and
# delivered 01-30 (late, counted on 01-29); C promised 01-31 and not delivered (past due).
MARTS = """
create schema marts;
create table marts.kpi_daily (
    kpi_date date, scope_type varchar, scope_id varchar, kpi_code varchar,
    kpi_name varchar, kpi_name_en varchar, unit varchar, value double, numerator double,
    denominator double, target double, yellow_threshold double, red_threshold double,
    direction varchar, status varchar
);
insert into marts.kpi_daily values
    ('2026-01-30', 'plant', 'P01', 'complaint_rate', '客诉率', 'Complaint rate', 'ratio',
        0.0, 0, 2, 0.01, 0.02, 0.04, 'lower_is_better', 'green'),
    ('2026-01-31', 'plant', 'P01', 'complaint_rate', '客诉率', 'Complaint rate', 'ratio',
        null, 1, 0, 0.01, 0.02, 0.04, 'lower_is_better', null),
    ('2026-01-29', 'plant', 'P01', 'otd_rate', '准时交付率', 'On-time delivery rate', 'ratio',
        0.0, 0, 1, 0.95, 0.92, 0.88, 'higher_is_better', 'red'),
    ('2026-01-30', 'plant', 'P01', 'otd_rate', '准时交付率', 'On-time delivery rate', 'ratio',
        1.0, 1, 1, 0.95, 0.92, 0.88, 'higher_is_better', 'green'),
    ('2026-01-31', 'plant', 'P01', 'otd_rate', '准时交付率', 'On-time delivery rate', 'ratio',
        0.0, 0, 1, 0.95, 0.92, 0.88, 'higher_is_better', 'red');
create table marts.kpi_period (
    period_type varchar, period_start date, period_end date, is_latest boolean,
    scope_type varchar, scope_id varchar, kpi_code varchar, kpi_name varchar,
    kpi_name_en varchar, unit varchar, value double, numerator double, denominator double,
    target double, yellow_threshold double, red_threshold double, direction varchar,
    status varchar
);
insert into marts.kpi_period values
    ('month', '2026-01-01', '2026-01-30', false, 'plant', 'P01', 'complaint_rate', '客诉率',
        'Complaint rate', 'ratio', 0.0, 0, 2, 0.01, 0.02, 0.04, 'lower_is_better', 'green'),
    ('month', '2026-01-01', '2026-01-31', true, 'plant', 'P01', 'complaint_rate', '客诉率',
        'Complaint rate', 'ratio', 0.5, 1, 2, 0.01, 0.02, 0.04, 'lower_is_better', 'red'),
    ('week', '2026-01-26', '2026-01-31', false, 'plant', 'P01', 'complaint_rate', '客诉率',
        'Complaint rate', 'ratio', 0.5, 1, 2, 0.01, 0.02, 0.04, 'lower_is_better', 'red'),
    ('month', '2026-01-01', '2026-01-31', true, 'plant', 'P01', 'otd_rate', '准时交付率',
        'On-time delivery rate', 'ratio', 0.333333, 1, 3, 0.95, 0.92, 0.88,
        'higher_is_better', 'red');
create table marts.fct_signal_response (
    signal_id varchar, signal_type varchar, case_number varchar, is_complaint boolean,
    is_escalated boolean, priority varchar, customer_id varchar, order_id varchar,
    line_id varchar, signal_at timestamptz, signal_date date, first_action_at timestamptz,
    first_action_type varchar, response_hours double, is_auto_triggered boolean
);
insert into marts.fct_signal_response values
    ('S1', 'crm_case', 'C-1', true, false, 'high', 'CU1', 'A', null,
        '2026-01-31 02:00:00+00', '2026-01-31', '2026-01-31 06:00:00+00', 'oa_workflow',
        4.0, false);
"""


@pytest.fixture
def con(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "perfchain.duckdb"
    with duckdb.connect(str(path)) as writer:
        writer.execute(MARTS)
    connection = duckdb.connect(str(path), read_only=True)
    try:
        yield connection
    finally:
        connection.close()


def _cell(cells, code: str) -> dict:  # type: ignore[no-untyped-def]
    (row,) = cells[cells["kpi_code"] == code].to_dict("records")
    return row


def test_month_complaint_rate_counts_the_complaint_of_a_day_without_deliveries(con) -> None:  # type: ignore[no-untyped-def]
    q = queries.Query(con, period_window(AS_OF, "month"), "en")
    cells = queries.heatmap_cells(q)
    complaint = _cell(cells, "complaint_rate")
    # 1 complaint / 2 orders delivered in January: 0.5, past the red line of 0.04.
    assert (complaint["numerator"], complaint["denominator"]) == (1, 2)
    assert complaint["value"] == pytest.approx(0.5)
    assert complaint["status"] == "red"
    # The KPI sheet's daily rows add up to the same month: the Saturday's row is there.
    detail = queries.kpi_detail(q)
    daily = detail[detail["kpi_code"] == "complaint_rate"]
    assert (daily["numerator"].sum(), daily["denominator"].sum()) == (1, 2)
    # The signal sheet lists the complaint the rate counts.
    listed = queries.signals(q)
    assert listed.loc[listed["is_complaint"], "signal_id"].tolist() == ["S1"]


def test_month_otd_counts_orders_on_their_promised_dates(con) -> None:  # type: ignore[no-untyped-def]
    q = queries.Query(con, period_window(AS_OF, "month"), "en")
    otd = _cell(queries.heatmap_cells(q), "otd_rate")
    # A on time; B (promised 01-29, delivered 01-30) late; C past due: 1 / 3.
    assert (otd["numerator"], otd["denominator"]) == (1, 3)
    assert otd["value"] == pytest.approx(1 / 3, abs=1e-6)


def test_day_shows_the_day_row_even_without_a_value(con) -> None:  # type: ignore[no-untyped-def]
    q = queries.Query(con, period_window(AS_OF, "day"), "en")
    complaint = _cell(queries.heatmap_cells(q), "complaint_rate")
    assert (complaint["numerator"], complaint["denominator"]) == (1, 0)
    assert pd.isna(complaint["value"])
    assert complaint["status"] is None


def test_week_reads_the_week_row_not_the_month(con) -> None:  # type: ignore[no-untyped-def]
    week = period_window(AS_OF, "week")
    assert week.start == date(2026, 1, 26)
    cells = queries.heatmap_cells(queries.Query(con, week, "en"))
    # The week row is the only figure for it: OTD has no week row here, so no cell.
    assert cells["kpi_code"].tolist() == ["complaint_rate"]
    assert _cell(cells, "complaint_rate")["value"] == pytest.approx(0.5)
