"""`alerts.outbox`: every alert message, queued once, sent once, never lost.

One row per message (alert × level × channel × recipient), keyed by dbt's idempotency key
`message_key` (SPEC §8.2): queueing inserts only keys not there yet, so a re-run of any
window, or the nightly run after the micro-batches, queues nothing twice, and a row once
sent is never selected again. Times are naive UTC on the batch's clock (its as-of moment):
a replayed batch writes the same `next_attempt_at` and `sent_at`; `created_at` alone is
the wall clock, for the operator who asks when a message was really queued.

The table is a dbt source (`source('alerts', 'outbox')`): `ensure_outbox` creates it
before dbt runs, empty on a new warehouse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb

from perfchain.core.errors import PerfchainError

DUE_MESSAGES = "intermediate.int_alert_messages_due"


class OutboxError(PerfchainError):
    """The outbox cannot be filled: what dbt should have built is missing."""


OUTBOX_DDL = """
create schema if not exists alerts;
create table if not exists alerts.outbox (
    message_key varchar primary key,
    alert_id varchar not null,
    rule_id varchar not null,
    level integer not null,
    channel varchar not null,
    robot varchar,
    recipient_id varchar,
    recipient_name varchar,
    recipient_address varchar,
    subject varchar not null,
    body varchar not null,
    state varchar not null default 'pending',
    attempts integer not null default 0,
    last_error varchar,
    created_at timestamp not null,
    next_attempt_at timestamp not null,
    sent_at timestamp,
    digest_id varchar,
    batch_at timestamp not null,
    check (state in ('pending', 'sent', 'failed', 'expired'))
)
"""

COLUMNS = (
    "message_key",
    "alert_id",
    "rule_id",
    "level",
    "channel",
    "robot",
    "recipient_id",
    "recipient_name",
    "recipient_address",
    "subject",
    "body",
    "state",
    "attempts",
    "last_error",
    "created_at",
    "next_attempt_at",
    "sent_at",
    "digest_id",
    "batch_at",
)


def ensure_outbox(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `alerts` and the outbox if absent (safe on every run)."""
    con.execute(OUTBOX_DDL)


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def new_due_messages(con: duckdb.DuckDBPyConnection, as_of_at: datetime) -> list[dict[str, Any]]:
    """Rows of int_alert_messages_due due by `as_of_at` whose key is not in the outbox."""
    schema, _, table = DUE_MESSAGES.partition(".")
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    if not found or not found[0]:
        raise OutboxError(
            f"{DUE_MESSAGES} is not in the warehouse: build the signals models "
            "(dbt build --select tag:signals+) before dispatching"
        )
    cursor = con.execute(
        f"""
        select due.*
        from {DUE_MESSAGES} as due
        where due.due_at <= ?
            and not exists (
                select 1 from alerts.outbox as outbox
                where outbox.message_key = due.message_key
            )
        order by due.due_at, due.alert_id, due.level, due.channel, due.recipient_id
        """,
        [as_of_at],
    )
    return _dicts(cursor)


def queue(
    con: duckdb.DuckDBPyConnection,
    as_of_at: datetime,
    render: Callable[[Mapping[str, Any]], tuple[str, str]],
    address: Callable[[Mapping[str, Any]], str | None] = lambda row: row.get("recipient_address"),
    expire_before: datetime | None = None,
) -> int:
    """Insert the new due messages (insert-if-absent on message_key), each with its
    rendered subject and body, pending and due at `as_of_at`; return how many. A message
    due before `expire_before` goes in `expired`, with the reason, and is never sent."""
    rows = new_due_messages(con, as_of_at)
    if not rows:
        return 0
    created_at = datetime.now(UTC).replace(tzinfo=None)
    values = []
    for row in rows:
        subject, body = render(row)
        due_at = row["due_at"]
        if due_at.tzinfo is not None:  # dbt's instants; the outbox's clock is naive UTC
            due_at = due_at.astimezone(UTC).replace(tzinfo=None)
        expired = expire_before is not None and due_at < expire_before
        values.append(
            (
                row["message_key"],
                row["alert_id"],
                row["rule_id"],
                int(row["level"]),
                row["channel"],
                row.get("robot"),
                row.get("recipient_id"),
                row.get("recipient_name"),
                address(row),
                subject,
                body,
                "expired" if expired else "pending",
                (
                    f"due at {due_at:%Y-%m-%d %H:%M} UTC, before {expire_before:%Y-%m-%d %H:%M} "
                    "UTC when first queued: not sent (alerts.send_within_hours)"
                )
                if expired
                else None,
                created_at,
                as_of_at,
                as_of_at,
            )
        )
    return insert_messages(con, values)


def insert_messages(con: duckdb.DuckDBPyConnection, values: list[tuple[object, ...]]) -> int:
    """Insert outbox rows (message_key, alert_id, rule_id, level, channel, robot,
    recipient_id, recipient_name, recipient_address, subject, body, state, last_error,
    created_at, next_attempt_at, batch_at), none attempted yet; a key already there is
    left as it is. Returns how many rows were offered."""
    con.executemany(
        """
        insert into alerts.outbox (
            message_key, alert_id, rule_id, level, channel, robot, recipient_id,
            recipient_name, recipient_address, subject, body, state, last_error, attempts,
            created_at, next_attempt_at, batch_at
        )
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
        on conflict do nothing
        """,
        values,
    )
    return len(values)


def sendable(con: duckdb.DuckDBPyConnection, as_of_at: datetime) -> list[dict[str, Any]]:
    """Pending and failed rows whose next attempt is due by `as_of_at`: the highest level
    first, then oldest first, an alert's recipients together (the digest's order)."""
    cursor = con.execute(
        f"""
        select {", ".join(COLUMNS)}
        from alerts.outbox
        where state in ('pending', 'failed') and next_attempt_at <= ?
        order by level desc, batch_at, alert_id, recipient_id, message_key
        """,
        [as_of_at],
    )
    return _dicts(cursor)


def mark_sent(
    con: duckdb.DuckDBPyConnection, keys: Iterable[str], sent_at: datetime, digest_id: str
) -> None:
    con.executemany(
        """
        update alerts.outbox
        set state = 'sent', attempts = attempts + 1, sent_at = ?, digest_id = ?,
            last_error = null
        where message_key = ?
        """,
        [(sent_at, digest_id, key) for key in keys],
    )


def mark_unsent(
    con: duckdb.DuckDBPyConnection,
    keys: Sequence[str],
    *,
    state: str,
    error: str,
    next_attempt_at: datetime,
) -> None:
    """Keep the rows `pending` (over the limit, unreachable) or make them `failed`
    (refused, misconfigured), with the error and when to try again."""
    con.executemany(
        """
        update alerts.outbox
        set state = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ?
        where message_key = ?
        """,
        [(state, error, next_attempt_at, key) for key in keys],
    )


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per state in the whole outbox."""
    found = dict(con.execute("select state, count(*) from alerts.outbox group by state").fetchall())
    return {state: int(found.get(state, 0)) for state in ("pending", "sent", "failed", "expired")}
