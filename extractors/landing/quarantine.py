"""The quarantine: records the load could not type, held in `raw._quarantine` with the
reason and their payload, never dropped.

Quarantine is a queue (docs/operations.md, "Quarantine"): each quarantined row keeps the
record's key (`key_expr`), its version time and its batch's window, so the runner can ask
for it again (`retry_since`), and a later batch releases it (`release_quarantine`) when a
good version of the key loads, or, for a keyless one, when it read the whole window again
with nothing quarantined. `open_quarantine` lists what is still held.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from extractors.contract import Entity
from extractors.landing.batch import LandedBatch
from extractors.landing.raw import ensure_meta, raw_table
from extractors.landing.records import key_expr


def quarantine_lines(
    con: duckdb.DuckDBPyConnection, batch: LandedBatch, rows: list[tuple[str, str]]
) -> None:
    """Lines that are not JSON objects: no key can be read, only their window is known."""
    con.executemany(
        "insert into raw._quarantine (source, entity, batch_id, reason, payload, "
        "window_since, window_until) values (?, ?, ?, ?, ?, ?::timestamptz, ?::timestamptz)",
        [
            (batch.entity.source, batch.entity.name, batch.batch_id, r, p, *batch.window)
            for r, p in rows
        ],
    )


def release_quarantine(con: duckdb.DuckDBPyConnection, batch: LandedBatch, quarantined: int) -> int:
    """Close the entity's open quarantine that this batch made good; how many rows.

    A record with a key is released by a good version of the same key in the batch. A
    keyless one (not JSON, or its key did not parse) by a batch that asked for at least its
    window (`since` no later, `until` no earlier; open counts as wider, and an open
    `until` of the held record's batch as the moment it was quarantined) and quarantined
    nothing: what that window held has then all loaded. Released rows stay, marked with
    when and by which batch, as the history of what was held and for how long.
    """
    entity = batch.entity
    where = "source = ? and entity = ? and released_at is null and batch_id <> ?"
    (open_rows,) = con.execute(
        f"select count(*) from raw._quarantine where {where}",
        [entity.source, entity.name, batch.batch_id],
    ).fetchone()
    if not open_rows:  # the usual case: nothing to look up in raw
        return 0
    since, until = batch.window
    (released,) = con.execute(
        f"""
        update raw._quarantine
        set released_at = current_timestamp, released_by_batch = $batch
        where source = $source and entity = $entity and released_at is null
            and batch_id <> $batch
            and (
                record_key in (
                    select {key_expr(entity)} from {raw_table(entity)} where _batch_id = $batch
                )
                or (
                    record_key is null and $quarantined = 0
                    and ($since is null
                        or (window_since is not null
                            and cast($since as timestamptz) <= window_since))
                    and ($until is null
                        or cast($until as timestamptz)
                            >= coalesce(window_until, quarantined_at))
                )
            )
        """,
        {
            "batch": batch.batch_id,
            "source": entity.source,
            "entity": entity.name,
            "quarantined": quarantined,
            "since": since,
            "until": until,
        },
    ).fetchone()
    return int(released)


@dataclass(frozen=True)
class OpenRecord:
    """A quarantined record no good version has replaced yet."""

    source: str
    entity: str
    record_key: str | None
    age_days: int
    reason: str
    quarantined_at: datetime

    def describe(self) -> str:
        key = self.record_key if self.record_key is not None else "(no key)"
        return f"{self.source}.{self.entity} {key}: {self.age_days} day(s) old, {self.reason}"


def open_quarantine(
    con: duckdb.DuckDBPyConnection, entity: Entity | None = None
) -> list[OpenRecord]:
    """The open quarantine, oldest first: of one entity, or of every one."""
    ensure_meta(con)
    where, params = "released_at is null", []
    if entity is not None:
        where += " and source = ? and entity = ?"
        params = [entity.source, entity.name]
    rows = con.execute(
        f"""
        select source, entity, record_key,
            cast(date_diff('day', quarantined_at, current_timestamp) as integer),
            reason, quarantined_at
        from raw._quarantine
        where {where}
        order by quarantined_at, source, entity, record_key
        """,
        params,
    ).fetchall()
    return [OpenRecord(*row) for row in rows]


def retry_since(
    con: duckdb.DuckDBPyConnection, entity: Entity, overlap: timedelta, max_age: timedelta
) -> tuple[int, datetime | None]:
    """Where the window must start for the entity's open quarantine to be read again:
    (how many records to retry, since). A record whose version time was read is asked for from that
    time less the overlap, the others from their batch's own `since` (None: a full-load
    batch, so a full load again). Records quarantined longer ago than `max_age` are no
    longer retried (they stay open, and listed)."""
    ensure_meta(con)
    row = con.execute(
        """
        select count(*),
            min(coalesce(modified_at - ?, window_since)),
            bool_or(modified_at is null and window_since is null)
        from raw._quarantine
        where source = ? and entity = ? and released_at is null
            and quarantined_at >= current_timestamp - ?
        """,
        [overlap, entity.source, entity.name, max_age],
    ).fetchone()
    count, since, full = row
    if not count:
        return 0, None
    return int(count), (None if full else since)


def quarantined_positions(
    con: duckdb.DuckDBPyConnection, entity: Entity, max_age: timedelta
) -> list[dict[str, Any]]:
    """The payloads of the entity's open quarantine still retried, for stream sources that
    resume from a position the payload carries (MTConnect's `sequence`)."""
    rows = con.execute(
        """
        select payload from raw._quarantine
        where source = ? and entity = ? and released_at is null
            and quarantined_at >= current_timestamp - ?
        """,
        [entity.source, entity.name, max_age],
    ).fetchall()
    payloads = []
    for (payload,) in rows:
        value = json.loads(payload) if payload else None
        if isinstance(value, dict):
            payloads.append(value)
    return payloads
