"""A small hand-built working warehouse: raw tables and every published mart with the
columns of SPEC §6, consistent with each other, plus the defects the gate must catch.

The real marts come from dbt; these are the contract's shape with data small enough to
reason about: two orders a day over five weeks, each invoiced, signed for and delivered
the day it is placed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from expectations.contract import CONTRACTS
from extractors.landing.raw import ensure_meta

DAY = date(2026, 3, 2)  # a Monday: the run's data-through date
SUNDAY = date(2026, 3, 1)
HISTORY_DAYS = 35

_RAW = """
create schema if not exists raw;
create schema if not exists marts;
create or replace table raw.erp__sale_orders as
select
    printf('SO%04d', i) as code,
    (date '{day}' - {days} + (i // 2)::integer)::date as date,
    'C01' as custcode,
    timestamp '2026-01-01 00:00:00' + to_days(i::integer) as modifytime,
from range(0, 2 * ({days} + 1)) as orders(i);
create or replace table raw.erp__sale_order_lines as
select code, 1::bigint as rowno, 10::decimal(18, 4) as quantity, modifytime
from raw.erp__sale_orders;
create or replace table raw.erp__sale_invoices as
select
    'INV' || code as code, 1::bigint as rowno, date, 'C01' as custcode, code as socode,
    1::bigint as sorowno, 10::decimal(18, 4) as quantity, 'blue' as invoice_type,
    date + time '10:00:00' as verify_time, date + time '10:00:00' as modifytime,
from raw.erp__sale_orders;
create or replace table raw.wms__proofs_of_delivery as
select
    'POD' || code as pod_id, code as so_code, 1::bigint as so_rowno,
    timezone('UTC', date + time '01:00:00')::timestamptz as signed_at, 10::bigint as signed_qty,
from raw.erp__sale_orders;
create or replace table raw.wms__shipments as
select 'SH' || code as shipment_id, code as so_code,
    timezone('UTC', date + time '00:30:00')::timestamptz as shipped_at,
from raw.erp__sale_orders;
create or replace table raw.oa__workflow_logs as
select 'L' || code as "logId", date + time '09:00:00' as "operateTime" from raw.erp__sale_orders;
create or replace table raw.mes__production_counts as
select 'R' || code || '-' || hour as record_id, 'M01' as equipment_id,
    timezone('UTC', date + to_hours(8 + hour))::timestamptz as hour_start,
    100::bigint as produced_qty, 95::bigint as good_qty,
from raw.erp__sale_orders cross join range(0, 4) as hours(hour);
create or replace table raw.hr__shift_schedules as
select distinct date as work_date, 'T01' as team_code, 'A' as shift_code,
    timezone('UTC', date - 1 + time '18:00:00')::timestamptz as updated_at,
from raw.erp__sale_orders;
create or replace table raw.qms__inspections as
select 'I' || code as inspection_id,
    timezone('UTC', date + time '03:00:00')::timestamptz as inspected_at,
from raw.erp__sale_orders;
-- The CRM cases behind the signals, read at 02:00 plant time the night after the run's day.
create or replace table raw.crm__cases as
select 'CASE' || code as "Id",
    timezone('Asia/Shanghai', date '{day}' + 1 + time '02:00:00') as _extracted_at,
from raw.erp__sale_orders;
create or replace table raw.hr__attendance as
select 'A' || code as attendance_id, date as work_date from raw.erp__sale_orders;
"""

_MARTS = """
create or replace table marts.dim_date as
select (date '{day}' - i::integer)::date as date_id, strftime(date '{day}' - i::integer, '%Y-%m-%d') as name
from range(0, 60) as days(i);
create or replace table marts.dim_employee as
select * from (values ('E01', '张伟', 'Zhang Wei'), ('E02', '李娜', 'Li Na'))
    as employees(employee_id, name, name_en);
create or replace table marts.dim_team as
select * from (values ('T01', '焊接一班', 'Welding 1')) as teams(team_id, name, name_en);
create or replace table marts.dim_customer as
select * from (values ('C01', '华东机械', 'East China Machinery'))
    as customers(customer_id, name, name_en);
create or replace table marts.dim_machine as
select * from (values ('M01', '焊机 1', 'Welder 1')) as machines(machine_id, name, name_en);
create or replace table marts.dim_product as
select * from (values ('P01', '支架', 'Bracket')) as products(product_id, name, name_en);
create or replace table marts.fct_order_delivery as
select
    code as order_id,
    custcode as customer_id,
    date + 3 as promised_date,
    date + 3 as first_committed_date,
    timezone('UTC', date + time '02:00:00')::timestamptz as delivered_at,
    true as is_delivered,
    true as is_on_time,
    1.0::decimal(18, 4) as points_pool,
    timezone('UTC', date + time '01:00:00')::timestamptz as sales_completed_at,
    timezone('UTC', date + time '00:30:00')::timestamptz as shipped_at,
    null::timestamptz as paid_at,
from raw.erp__sale_orders;
create or replace table marts.fct_order_contribution as
select order_id, 'sales' as stage, 'E01' as employee_id, 0.2::decimal(18, 4) as points
from marts.fct_order_delivery
union all
select order_id, 'production', null, 0.8 from marts.fct_order_delivery;
create or replace table marts.fct_team_quality_hourly as
select
    'T01' as team_id,
    timezone('UTC', (date '{day}' - i::integer) + time '02:00:00')::timestamptz as hour_at,
    100 as units_first_inspected, 95 as units_good_first_time,
    0.95 as first_pass_yield, 0.02 as rework_rate, 0.05 as downtime_rate,
    0.9 as output_per_head,
from range(0, {days} + 1) as days(i);
create or replace table marts.fct_oee_shift as
select
    'M01' as machine_id, (date '{day}' - i::integer)::date as shift_date, 'A' as shift_code,
    540.0::double as shift_minutes, 60.0::double as planned_stop_minutes,
    480.0 as planned_busy_minutes, 432.0 as run_minutes, 388.8 as ideal_minutes,
    400 as produced_qty, 380 as good_qty,
    0.9 as availability, 0.9 as performance, 0.95 as quality, 0.9 * 0.9 * 0.95 as oee,
    0.0 as unknown_minutes, null::timestamptz as unknown_from_at,
    null::timestamptz as unknown_until_at, 1.0 as data_coverage,
from range(0, {days} + 1) as days(i);
create or replace table marts.fct_signal_response as
select
    printf('S%03d', i) as signal_id,
    timezone('UTC', (date '{day}' - i::integer) + time '03:00:00')::timestamptz as signal_at,
    timezone('UTC', (date '{day}' - i::integer) + time '05:00:00')::timestamptz as first_action_at,
    2.0 as response_hours,
    i % 2 = 0 as is_auto_triggered,
from range(0, {days} + 1) as days(i);
create or replace table marts.fct_goal_attainment as
select
    'G1' as goal_id, 'plant' as owner_type, 'P01' as owner_id, '2026-03' as period,
    date '2026-03-01' as period_start, date '2026-03-31' as period_end,
    'otd_rate' as kpi_code, 'plant' as scope_type, 'P01' as scope_id,
    'higher_is_better' as direction, 0.95 as target, 0.95 as actual, 1.0 as attainment,
    1.0 as weight, 1.0 as rolled_up_attainment, 0 as depth, 2 as source_row;
create or replace table marts.fct_employee_score_explained as
select
    'E01|2026-03-01|G2' as employee_score_goal_id, 'E01' as employee_id,
    date '2026-03-01' as month, 'G2' as goal_id, 'otd_rate' as kpi_code, 1.0 as weight,
    0.95 as target, 0.95 as actual, 1.0 as attainment, 1.0 as score_contribution;
create or replace table marts.fct_employee_score as
select
    'E01|2026-03-01' as employee_score_id, 'E01' as employee_id,
    date '2026-03-01' as month, 1.0 as score, 1 as goal_count, 1 as goals_with_actual,
    1.0 as weight_total, 0.2 as contribution_points;
create or replace table marts.kpi_daily as
select
    (date '{day}' - i::integer)::date as kpi_date, 'plant' as scope_type, 'P01' as scope_id,
    'otd_rate' as kpi_code, 1.0 as value, 2.0 as numerator, 2.0 as denominator,
    0.95 as target, 'green' as status,
from range(0, {days} + 1) as days(i);
create or replace table marts.order_360 as
select order_id, customer_id, is_delivered, delivered_at from marts.fct_order_delivery;
"""

# Derived from kpi_daily once the defects are planted, as dbt derives it: a defect that
# removes a day from kpi_daily removes it from its week and month too.
_KPI_PERIOD = """
create or replace table marts.kpi_period as
with periods as (
    select 'week' as period_type, date_trunc('week', kpi_date)::date as period_start, *
    from marts.kpi_daily
    union all
    select 'month' as period_type, date_trunc('month', kpi_date)::date as period_start, *
    from marts.kpi_daily
),
to_date as (
    select
        period_type, period_start, kpi_date as period_end, scope_type, scope_id, kpi_code,
        sum(numerator) over period_so_far as numerator,
        sum(denominator) over period_so_far as denominator,
        kpi_date = max(kpi_date) over (partition by period_type, period_start) as is_latest,
        target,
    from periods
    window period_so_far as (partition by period_type, period_start order by kpi_date)
)
select *, numerator / denominator as value, 'green' as status from to_date;
"""

# The planted defects and situations, each as the SQL that plants it ({day}: the run's
# date).
DEFECTS = {
    # A second invoice for an order line that was already fully invoiced.
    "duplicated_invoice": """
        insert into raw.erp__sale_invoices
        select 'DUP' || code, rowno, date, custcode, socode, sorowno, quantity,
            invoice_type, verify_time, modifytime
        from raw.erp__sale_invoices where date = date '{day}' limit 1
    """,
    # The same order twice in the mart (a fan-out join).
    "duplicated_order_row": """
        insert into marts.fct_order_delivery
        select * from marts.fct_order_delivery where promised_date = date '{day}' + 3 limit 1
    """,
    # MES delivered nothing for the run's day.
    "source_missing_for_day": """
        delete from raw.mes__production_counts
        where cast(timezone('Asia/Shanghai', hour_start) as date) = date '{day}'
    """,
    # A reversed batch: 8 credit-note lines on the run's day against 2 ordinary lines.
    "negative_quantity_surge": """
        insert into raw.erp__sale_invoices
        select 'RED' || i, 1, date '{day}', 'C01', printf('SO%04d', i), 1,
            -1::decimal(18, 4), 'red', date '{day}' + time '11:00:00',
            date '{day}' + time '11:00:00'
        from range(0, 8) as lines(i)
    """,
    # The plant calendar: the Sunday before DAY is a rest day (no shift scheduled), so
    # nothing is produced, inspected or attended and no machine shift or team hour exists.
    "sunday_without_shifts": f"""
        delete from raw.hr__shift_schedules where work_date = date '{SUNDAY}';
        delete from raw.mes__production_counts
        where cast(timezone('Asia/Shanghai', hour_start) as date) = date '{SUNDAY}';
        delete from raw.qms__inspections
        where cast(timezone('Asia/Shanghai', inspected_at) as date) = date '{SUNDAY}';
        delete from raw.hr__attendance where work_date = date '{SUNDAY}';
        delete from marts.fct_oee_shift where shift_date = date '{SUNDAY}';
        delete from marts.fct_team_quality_hourly
        where cast(timezone('Asia/Shanghai', hour_at) as date) = date '{SUNDAY}';
        delete from marts.kpi_daily where kpi_date = date '{SUNDAY}';
    """,
    # The shift is scheduled, but the line is stopped for maintenance the whole shift:
    # MES counts nothing, OEE has no planned busy time.
    "maintenance_all_day": """
        delete from raw.mes__production_counts
        where cast(timezone('Asia/Shanghai', hour_start) as date) = date '{day}';
        update marts.fct_oee_shift
        set planned_stop_minutes = shift_minutes, planned_busy_minutes = 0, run_minutes = 0,
            ideal_minutes = 0, produced_qty = 0, good_qty = 0, availability = null,
            performance = null, quality = null, oee = null
        where shift_date = date '{day}';
    """,
    # A quiet day: the low-volume sources (two rows a day) bring nothing.
    "quiet_day": """
        delete from raw.wms__shipments
        where cast(timezone('Asia/Shanghai', shipped_at) as date) = date '{day}';
        delete from raw.oa__workflow_logs where cast("operateTime" as date) = date '{day}';
    """,
    # A week without a complaint or an escalation: signals are rare, nothing is late.
    "week_without_signals": """
        delete from marts.fct_signal_response
        where cast(timezone('Asia/Shanghai', signal_at) as date) > date '{day}' - 7;
    """,
    # CRM was last read at 18:00 on the run's day: the evening's cases may be missing.
    "crm_read_before_day_ended": """
        update raw.crm__cases
        set _extracted_at = timezone('Asia/Shanghai', date '{day}' + time '18:00:00');
    """,
    # OEE was not built for the run's date, a working day.
    "oee_behind": """
        delete from marts.fct_oee_shift where shift_date = date '{day}'
    """,
}


def build_warehouse(path: Path, defects: tuple[str, ...] = (), day: date = DAY) -> Path:
    """Write the warehouse at `path` (replacing it) with the given defects planted, with
    data through `day` (the run's date)."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        plant(con, defects, day)
    return path


def plant(con: duckdb.DuckDBPyConnection, defects: tuple[str, ...] = (), day: date = DAY) -> None:
    con.execute("set TimeZone = 'UTC'")
    ensure_meta(con)  # raw._quarantine and the other tables every extraction keeps
    con.execute(_RAW.format(day=day, days=HISTORY_DAYS))
    con.execute(_MARTS.format(day=day, days=HISTORY_DAYS))
    for defect in defects:
        con.execute(DEFECTS[defect].format(day=day))
    con.execute(_KPI_PERIOD)
    conform_to_contract(con)


def conform_to_contract(con: duckdb.DuckDBPyConnection) -> None:
    """Give each hand-built mart the columns and types of its dbt contract, in its order, as
    dbt builds it: the columns set above keep their values, the others are null."""
    built: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = 'marts'"
    ).fetchall():
        built.setdefault(table, set()).add(column)
    for mart, contract in CONTRACTS.items():
        if mart not in built:
            continue
        columns = ", ".join(
            f"cast({_quoted(name) if name in built[mart] else 'null'} as {column.data_type}) "
            f"as {_quoted(name)}"
            for name, column in contract.columns.items()
        )
        con.execute(f"create or replace table marts.{mart} as select {columns} from marts.{mart}")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
