"""`perfchain order ORDER_NO`: every system's view of one order, the anchor, the trace.

Reads the published file (the readers' copy), so it never waits for the nightly run.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import duckdb

from perfchain.core.errors import PerfchainError

TOP_PER_STAGE = 5  # contributors listed per stage; the rest are summed on one line


def _fmt(value: Any, tz: ZoneInfo) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    return str(value)


SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Order (ERP)",
        (
            ("order date", "order_date"),
            ("customer", "customer_name"),
            ("grade", "customer_grade"),
            ("key account", "is_key_account"),
            ("urgent", "is_urgent"),
            ("salesperson", "salesperson_name"),
            ("lines (cancelled)", "active_line_count"),
            ("ordered qty", "ordered_qty"),
            ("net amount CNY", "net_amount_cny"),
        ),
    ),
    (
        "Contract (CRM)",
        (
            ("contract", "contract_number"),
            ("status", "crm_contract_status"),
            ("customer signed", "contract_customer_signed_date"),
        ),
    ),
    (
        "Promise",
        (
            ("first committed", "first_committed_date"),
            ("promised (anchor)", "promised_date"),
            ("ERP current", "erp_promised_date"),
            ("customer changes", "customer_change_count"),
            ("plant changes", "plant_change_count"),
        ),
    ),
    (
        "Production (MES/QMS)",
        (
            ("production orders", "production_order_count"),
            ("first produced", "first_produced_at"),
            ("produced / good", "produced_qty"),
            ("first inspected / passed", "first_inspected_qty"),
        ),
    ),
    (
        "Logistics view (WMS: shipped out)",
        (
            ("shipments", "shipment_count"),
            ("shipped qty", "shipped_qty"),
            ("shipped complete", "shipped_at"),
        ),
    ),
    (
        "Sales view (customer signed)",
        (
            ("proofs of delivery", "proof_of_delivery_count"),
            ("signed qty", "signed_qty"),
            ("signed complete", "sales_completed_at"),
        ),
    ),
    (
        "Finance view (ERP: invoiced, paid)",
        (
            ("invoices (credit notes)", "invoice_count"),
            ("net invoiced qty", "net_invoiced_qty"),
            ("net invoiced CNY", "net_invoiced_amount_cny"),
            ("received CNY", "received_amount_cny"),
            ("paid in full", "paid_at"),
        ),
    ),
    (
        "Delivery anchor (signed + invoiced)",
        (
            ("delivered", "is_delivered"),
            ("delivered at", "delivered_at"),
            ("on time", "is_on_time"),
            ("status", "delivery_status"),
            ("days late", "days_late"),
            ("reconciliation", "reconciliation_status"),
        ),
    ),
    (
        "Signals (CRM cases)",
        (
            ("complaints", "complaint_count"),
            ("first case", "first_case_number"),
            ("slowest response h", "max_response_hours"),
        ),
    ),
)

# Pairs shown as "a / b" on one line.
_PAIRED = {
    "active_line_count": "cancelled_line_count",
    "produced_qty": "good_qty",
    "first_inspected_qty": "first_passed_qty",
    "invoice_count": "credit_note_count",
}


def show_order(published_path: Path, order_no: str, plant_tz: str) -> None:
    if not published_path.exists():
        raise PerfchainError(
            f"{published_path} does not exist yet: run `perfchain run` or `perfchain demo` first"
        )
    tz = ZoneInfo(plant_tz)
    with duckdb.connect(str(published_path), read_only=True) as con:
        cursor = con.execute("select * from marts.order_360 where order_id = ?", [order_no])
        row = cursor.fetchone()
        if row is None:
            count = con.execute("select count(*) from marts.order_360").fetchone()[0]
            raise PerfchainError(
                f"order {order_no} is not in the published marts ({count:,} orders published)"
            )
        order = dict(zip([d[0] for d in cursor.description], row, strict=True))
        trace = con.execute(
            """
            select contribution.stage, contribution.stage_weight, contribution.employee_id,
                employee.employee_name, contribution.recorded_qty, contribution.points
            from marts.fct_order_contribution as contribution
            left join marts.dim_employee as employee
                on contribution.employee_id = employee.employee_id
            where contribution.order_id = ?
            order by contribution.stage_order, contribution.points desc, contribution.employee_id
            """,
            [order_no],
        ).fetchall()
    click.secho(f"Order 360 — {order_no}", bold=True)
    for title, fields in SECTIONS:
        click.secho(f"\n{title}", fg="cyan")
        for label, column in fields:
            text = _fmt(order.get(column), tz)
            if column in _PAIRED:
                text = f"{text} / {_fmt(order.get(_PAIRED[column]), tz)}"
            click.echo(f"  {label:<26}{text}")
    click.secho(
        f"\nContribution trace (pool {_fmt(order.get('points_pool'), tz)} points)", fg="cyan"
    )
    if not trace:
        click.echo("  no pool: the order is not delivered")
        return
    total = Decimal(0)
    for stage, rows in groupby(trace, key=lambda row: row[0]):
        rows = list(rows)
        for _, weight, employee_id, name, quantity, points in rows[:TOP_PER_STAGE]:
            who = f"{name} ({employee_id})" if employee_id else "unattributed"
            click.echo(
                f"  {stage:<22}{_fmt(weight, tz):>6}  {who:<28}"
                f"{_fmt(quantity, tz):>12}{_fmt(points, tz):>10}"
            )
        rest = rows[TOP_PER_STAGE:]
        if rest:
            subtotal = sum((row[5] or Decimal(0) for row in rest), Decimal(0))
            click.echo(
                f"  {stage:<22}{'':>6}  {f'… {len(rest)} more':<28}{'':>12}{_fmt(subtotal, tz):>10}"
            )
        total += sum((row[5] or Decimal(0) for row in rows), Decimal(0))
    click.echo(f"  {'total':<22}{'':>6}  {'':<28}{'':>12}{_fmt(total, tz):>10}")
