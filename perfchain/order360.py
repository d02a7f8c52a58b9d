"""`perfchain order ORDER_NO`: every system's view of one order, the anchor, the trace.

Reads the published file (the readers' copy), so it never waits for the nightly run. The
data comes from `reports.order360.order_view`, which the dashboard shows too.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from perfchain.core.errors import PerfchainError
from perfchain.core.published import open_published
from reports.order360 import (
    PAIRED,
    SECTIONS,
    TOP_PER_STAGE,
    order_view,
    published_order_count,
)


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


def show_order(published_path: Path, order_no: str, plant_tz: str) -> None:
    if not published_path.exists():
        raise PerfchainError(
            f"{published_path} does not exist yet: run `perfchain run` or `perfchain demo` first"
        )
    tz = ZoneInfo(plant_tz)
    with open_published(published_path) as con:
        view = order_view(con, order_no)
        if view is None:
            raise PerfchainError(
                f"order {order_no} is not in the published marts "
                f"({published_order_count(con):,} orders published)"
            )
    order = view.order
    trace = [
        (r.stage, r.stage_weight, r.employee_id, r.employee_name, r.recorded_qty, r.points)
        for r in view.trace
    ]
    click.secho(f"Order 360 — {order_no}", bold=True)
    for _, title, fields in SECTIONS:
        click.secho(f"\n{title}", fg="cyan")
        for _, label, column in fields:
            text = _fmt(order.get(column), tz)
            if column in PAIRED:
                text = f"{text} / {_fmt(order.get(PAIRED[column]), tz)}"
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
