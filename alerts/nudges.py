"""Nudges (SPEC 9.6, docs/recognition.md): one message per run of days an employee's
personal KPI is worse than its baseline, through the alert outbox.

dbt's `int_nudges_due` holds one row per nudge with its idempotency key (`nudge_key`: md5
of employee, KPI, scope and the run's first day). Queueing inserts only keys not in
`alerts.outbox` yet, so a re-run, a replay or the nightly run after the micro-batches
never queues a nudge twice, and a nudge once sent is never selected again: the outbox's
own guarantee (alerts/outbox.py). The message goes by e-mail to the employee (the OA user
id gives the address, as for alert e-mails) with the three suggestions of its KPI.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import duckdb

from alerts.outbox import ensure_outbox, insert_messages

DUE_NUDGES = "intermediate.int_nudges_due"
NUDGE_RULE = "NUDGE"
NUDGE_CHANNEL = "email"


def render_nudge(row: Mapping[str, Any], lang: str = "zh") -> tuple[str, str]:
    """Subject and body of one nudge, Chinese by default."""
    kpi = row.get("kpi_name") or row["kpi_code"]
    value, baseline = row.get("value"), row.get("baseline")
    shown = (
        f"{float(value):.3f} / {float(baseline):.3f}"
        if value is not None and baseline is not None
        else "-"
    )
    if lang == "en":
        subject = f"[perfchain] {row['kpi_code']} below your baseline for 2 days"
        body = (
            f"{row.get('employee_name') or row['employee_id']}: {row['kpi_code']} of "
            f"{row['scope_type']} {row['scope_id']} has been worse than its baseline since "
            f"{row['run_start_date']} (latest / baseline: {shown}).\n"
            f"Three things to try:\n{row.get('suggestions_en') or ''}"
        )
        if row.get("is_to_supervisor"):
            body = (
                f"(To the supervisor: {row.get('employee_name') or row['employee_id']} has "
                "no OA account.)\n" + body
            )
        return subject, body
    subject = f"[perfchain] 您的指标「{kpi}」连续 2 天低于基线"
    body = (
        f"{row.get('employee_name') or row['employee_id']}，您好：{row['scope_type']} "
        f"{row['scope_id']} 的「{kpi}」自 {row['run_start_date']} 起连续低于基线"
        f"（最新值 / 基线：{shown}）。\n可以试试这三件事：\n{row.get('suggestions') or ''}"
    )
    if row.get("is_to_supervisor"):
        body = (
            f"（{row.get('employee_name') or row['employee_id']} 没有 OA 账号，"
            "此提醒发给其直属上级。）\n" + body
        )
    return subject, body


def queue_nudges(
    con: duckdb.DuckDBPyConnection,
    as_of_at: datetime,
    *,
    lang: str = "zh",
    address: Callable[[Mapping[str, Any]], str | None] = lambda row: row.get("recipient_address"),
    expire_before: datetime | None = None,
) -> int:
    """Insert the nudges due by `as_of_at` whose key is not in the outbox; return how many.
    Without the dbt model (a warehouse before the recognition models) there is none."""
    ensure_outbox(con)
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'intermediate' and table_name = 'int_nudges_due'"
    ).fetchone()
    if not found or not found[0]:
        return 0
    names_cursor = con.execute(
        f"""
        select due.*
        from {DUE_NUDGES} as due
        where due.due_at <= ?
            and not exists (
                select 1 from alerts.outbox as outbox where outbox.message_key = due.nudge_key
            )
        order by due.due_at, due.employee_id, due.kpi_code
        """,
        [as_of_at],
    )
    names = [column[0] for column in names_cursor.description or ()]
    rows = [dict(zip(names, row, strict=True)) for row in names_cursor.fetchall()]
    if not rows:
        return 0
    created_at = datetime.now(UTC).replace(tzinfo=None)
    values = []
    for row in rows:
        subject, body = render_nudge(row, lang)
        due_at = row["due_at"]
        if due_at.tzinfo is not None:
            due_at = due_at.astimezone(UTC).replace(tzinfo=None)
        expired = expire_before is not None and due_at < expire_before
        values.append(
            (
                row["nudge_key"],
                f"NUDGE-{row['employee_id']}-{row['kpi_code']}-{row['run_start_date']}",
                NUDGE_RULE,
                1,
                NUDGE_CHANNEL,
                None,
                row["employee_id"],
                row.get("employee_name"),
                address(
                    {
                        "channel": NUDGE_CHANNEL,
                        "recipient_address": row.get("recipient_oa_user_id"),
                    }
                ),
                subject,
                body,
                "expired" if expired else "pending",
                "due before the send window when first queued: not sent (alerts.send_within_hours)"
                if expired
                else None,
                created_at,
                as_of_at,
                as_of_at,
            )
        )
    return insert_messages(con, values)
