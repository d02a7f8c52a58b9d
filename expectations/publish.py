"""Write–audit–publish: put audited marts in front of readers as one whole file.

The last step of the quality gate, so it lives with the gate: it publishes only a passing
`GateResult` and records its checks in `meta.publish_log`.

The marts are built and audited in the working warehouse. Publishing writes them into a
NEW DuckDB file beside the published one, checkpoints and closes it, fsyncs it, hard-links
it into `published/history/` and then `os.replace`s it onto `published/perfchain.duckdb`.
`os.replace` is atomic on POSIX, so at every instant the published path names either the
old complete file or the new complete one, whatever kills the process. Readers that have
the old file open keep reading its inode; new readers get the new file. Publishing never
opens the published file for writing, so no reader can block it.

Nor does it need a lock on it: the publish log it carries forward is read through
`open_published` (perfchain/core/published.py, with the lock and the log reader), which
falls back to a private copy when another process holds the file (DuckDB's read-only
open takes a shared lock, which a read-write holder refuses). The copy is sound because
the published file's bytes never change in place: it is only ever replaced whole.

One publisher at a time: publish and rollback hold an exclusive `flock` on
`published/.perfchain.duckdb.lock` (released by the kernel when the holder dies, so a
killed publisher never blocks the next). Temporary files of a killed publish are removed
by the next publish, and by `remove_stale_temporaries` (perfchain/core/published.py)
when a run starts and no publisher holds the lock. Within one Python process DuckDB
caches a database per path: a process that keeps a connection to the published file open
keeps seeing the old file on new connections too; BI tools and analysts run in their own
processes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from expectations.contract import CONTRACTS, PUBLISH_LOG_COLUMNS
from expectations.results import CheckResult, GateResult
from perfchain.core.errors import PerfchainError
from perfchain.core.published import publisher_lock, read_publish_log, remove_temporaries

Step = Callable[[str], None]


class GateBlocked(PerfchainError):
    """The quality gate failed: nothing is published and the last good file stays."""

    exit_code = 1


class PublishError(PerfchainError):
    exit_code = 1


@dataclass(frozen=True)
class PublishResult:
    path: Path
    history_path: Path
    run_id: str
    data_through: date
    row_counts: dict[str, int]
    seconds: float


_LOG_DDL = """
create table {db}.meta.publish_log (
    run_id varchar not null,
    action varchar not null,
    published_at timestamptz not null,
    data_through date not null,
    checks_passed integer,
    checks_failed integer,
    checks json,
    row_counts json,
    file_name varchar
)
"""


def publish(
    working: duckdb.DuckDBPyConnection | Path,
    published_path: Path,
    *,
    run_id: str,
    data_through: date,
    gate: GateResult,
    keep: int = 7,
    logs_dir: Path | None = None,
    on_step: Step | None = None,
) -> PublishResult:
    """Publish the `marts` (and `meta`) schemas of the working warehouse.

    `working` is the nightly run's open connection to the working warehouse (DuckDB allows
    one writing process per file, so the run lends its own), or the warehouse's path when
    no process holds it (it is then attached read-only). `on_step(name)` is called after
    each step; the crash tests use it to stop the process at a chosen point.
    """
    if not gate.passed:
        failing = ", ".join(f"{c.suite}.{c.name}" for c in gate.blocking_failures)
        raise GateBlocked(
            f"quality gate blocked publishing ({failing}); {published_path} is unchanged"
        )
    if gate.run_id != run_id or gate.data_through != data_through:
        raise PublishError(
            f"the gate result is for run {gate.run_id} through {gate.data_through}, "
            f"not run {run_id} through {data_through}: run the gate for this run first"
        )
    started = time.perf_counter()
    step = on_step or (lambda name: None)
    history_dir = published_path.parent / "history"
    history_dir.mkdir(parents=True, exist_ok=True)
    with publisher_lock(published_path, wait=True):
        return _publish(
            working, published_path, run_id, data_through, gate, keep, logs_dir, step, started
        )


def _publish(
    working: duckdb.DuckDBPyConnection | Path,
    published_path: Path,
    run_id: str,
    data_through: date,
    gate: GateResult,
    keep: int,
    logs_dir: Path | None,
    step: Step,
    started: float,
) -> PublishResult:
    published_dir, history_dir = published_path.parent, published_path.parent / "history"
    _remove_leftovers(published_path)
    file_name = _history_name(published_path, run_id)
    temporary = published_dir / f".{file_name}.tmp"
    log = read_publish_log(published_path)
    step("start")

    con, source = _source(working)
    alias = f"publishing_{uuid.uuid4().hex[:8]}"
    con.execute(f"attach {_sql_str(str(temporary))} as {alias}")
    try:
        row_counts = _copy_marts(con, source, alias, step)
        _copy_meta(con, source, alias)
        _comment(con, alias)
        _write_log(con, alias, log, _publish_row(gate, row_counts, file_name))
        step("written")
        con.execute(f"checkpoint {alias}")
    finally:
        con.execute(f"detach {alias}")
        if isinstance(working, Path):
            con.close()
    step("closed")
    _fsync_file(temporary)
    step("synced")
    history_path = history_dir / file_name
    os.link(temporary, history_path)
    _fsync_dir(history_dir)
    step("linked")
    os.replace(temporary, published_path)
    _fsync_dir(published_dir)
    step("replaced")
    _prune(history_dir, published_path, keep)
    step("pruned")
    _log_line(logs_dir, f"publish run={run_id} data_through={data_through} file={file_name}")
    return PublishResult(
        published_path,
        history_path,
        run_id,
        data_through,
        row_counts,
        round(time.perf_counter() - started, 3),
    )


def rollback(published_path: Path, *, logs_dir: Path | None = None) -> Path:
    """Put back the file published before the current one; returns its history path.

    The restored file gets the full publish log with a `rollback` row appended, so the
    log stays continuous; a second rollback steps back once more.
    """
    with publisher_lock(published_path, wait=True):
        return _rollback(published_path, logs_dir)


def _rollback(published_path: Path, logs_dir: Path | None) -> Path:
    log = read_publish_log(published_path)
    if not log:
        raise PublishError(f"{published_path} has no publish log: nothing to roll back")
    current = log[-1]["file_name"]
    history_dir = published_path.parent / "history"
    earlier = sorted(p for p in history_dir.glob(f"{published_path.stem}-*") if p.name < current)
    if not earlier:
        raise PublishError(
            f"no earlier published file than {current} in {history_dir} (kept: the last "
            "publishes only)"
        )
    previous = earlier[-1]
    restored = next((row for row in reversed(log) if row["file_name"] == previous.name), None)
    row = {
        **(restored or {"data_through": log[-1]["data_through"]}),
        "run_id": f"rollback-{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
        "action": "rollback",
        "published_at": datetime.now(UTC),
        "file_name": previous.name,
    }
    _remove_leftovers(published_path)
    temporary = published_path.parent / f".{previous.name}.rollback.tmp"
    # A copy, not a link: the restored file's log changes and history must stay as it was.
    shutil.copyfile(previous, temporary)
    with duckdb.connect(str(temporary)) as con:
        con.execute("drop table if exists meta.publish_log")
        _write_log(con, con.execute("select current_database()").fetchone()[0], log, row)
        con.execute("checkpoint")
    _fsync_file(temporary)
    os.replace(temporary, published_path)
    _fsync_dir(published_path.parent)
    _log_line(logs_dir, f"rollback to={previous.name} from={current}")
    return previous


# --- steps ------------------------------------------------------------------------------


def _source(working: duckdb.DuckDBPyConnection | Path) -> tuple[duckdb.DuckDBPyConnection, str]:
    if isinstance(working, Path):
        con = duckdb.connect()
        # Under the name its own connections give it (the file's stem): the views among
        # the marts name their relations with it.
        alias = working.stem
        con.execute(f"attach {_sql_str(str(working))} as {_ident(alias)} (read_only)")
        return con, alias
    return working, working.execute("select current_database()").fetchone()[0]


def _relations(con: duckdb.DuckDBPyConnection, database: str, schema: str) -> list[str]:
    # Views are materialised: the published file must stand alone, without the models.
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = ? order by table_name",
            [database, schema],
        ).fetchall()
    ]


def _copy_marts(
    con: duckdb.DuckDBPyConnection, source: str, target: str, step: Step
) -> dict[str, int]:
    marts = _relations(con, source, "marts")
    if not marts:
        raise PublishError(f"the working warehouse has no marts in {source}.marts to publish")
    con.execute(f"create schema {_ident(target)}.marts")
    row_counts = {}
    for mart in marts:
        con.execute(
            f'create table {_ident(target)}.marts."{mart}" as select * from {_ident(source)}.marts."{mart}"'
        )
        row_counts[mart] = con.execute(
            f'select count(*) from {_ident(target)}.marts."{mart}"'
        ).fetchone()[0]
        step(f"copied:{mart}")
    return row_counts


def _copy_meta(con: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    con.execute(f"create schema {_ident(target)}.meta")
    for table in _relations(con, source, "meta"):
        if table != "publish_log":  # the published file's own log is the record
            con.execute(
                f'create table {_ident(target)}.meta."{table}" as select * from {_ident(source)}.meta."{table}"'
            )


def _comment(con: duckdb.DuckDBPyConnection, target: str) -> None:
    """Business definitions as comments, from the published contract (the marts' dbt YAML),
    on every mart and column the contract declares."""
    built = con.execute(
        "select table_name, column_name from duckdb_columns() "
        "where database_name = ? and schema_name = 'marts'",
        [target],
    ).fetchall()
    for table in sorted({table for table, _ in built} & set(CONTRACTS)):
        con.execute(
            f'comment on table {_ident(target)}.marts."{table}" is '
            f"{_sql_str(CONTRACTS[table].description)}"
        )
    for table, column in built:
        contract = CONTRACTS.get(table)
        definition = contract.columns.get(column) if contract else None
        if definition and definition.description:
            con.execute(
                f'comment on column {_ident(target)}.marts."{table}"."{column}" is '
                f"{_sql_str(definition.description)}"
            )


def _publish_row(gate: GateResult, row_counts: dict[str, int], file_name: str) -> dict[str, Any]:
    counted = [check for check in gate.checks if check.status != "skipped"]
    return {
        "run_id": gate.run_id,
        "action": "publish",
        "published_at": datetime.now(UTC),
        "data_through": gate.data_through,
        "checks_passed": sum(check.status == "passed" for check in counted),
        "checks_failed": sum(check.failed for check in counted),
        "checks": json.dumps([_check_record(check) for check in gate.checks], default=str),
        "row_counts": json.dumps(row_counts),
        "file_name": file_name,
    }


def _check_record(check: CheckResult) -> dict[str, Any]:
    """A check as the publish log keeps it. A failed one (a warning: blocking failures never
    publish) also keeps why it matters, what was observed and its sample rows: the reports
    say what the published data's gate found from the published file alone."""
    record: dict[str, Any] = {
        "suite": check.suite,
        "check": check.name,
        "severity": check.severity,
        "status": check.status,
    }
    if check.failed:
        record.update(
            reason=check.reason,
            observed=check.observed,
            error=check.error,
            rows=check.sample_rows,
        )
    return record


def _write_log(
    con: duckdb.DuckDBPyConnection, database: str, log: list[dict[str, Any]], row: dict[str, Any]
) -> None:
    con.execute(f"create schema if not exists {_ident(database)}.meta")
    con.execute(_LOG_DDL.format(db=_ident(database)))
    columns = list(PUBLISH_LOG_COLUMNS)
    placeholders = ", ".join("?" for _ in columns)
    con.executemany(
        f"insert into {_ident(database)}.meta.publish_log ({', '.join(columns)}) values ({placeholders})",
        [[entry.get(column) for column in columns] for entry in [*log, row]],
    )
    con.execute(
        f"comment on table {_ident(database)}.meta.publish_log is "
        f"{_sql_str('One row per publish or rollback of this file.')}"
    )
    for column, text in PUBLISH_LOG_COLUMNS.items():
        con.execute(
            f"comment on column {_ident(database)}.meta.publish_log.{column} is {_sql_str(text)}"
        )


def _history_name(published_path: Path, run_id: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    safe_run_id = re.sub(r"[^A-Za-z0-9_.-]", "_", run_id)[:64]
    return f"{published_path.stem}-{stamp}-{safe_run_id}{published_path.suffix}"


def _remove_leftovers(published_path: Path) -> None:
    """Called by the publisher, holding the lock."""
    remove_temporaries(published_path)
    # A stale WAL beside the published file would be replayed onto the new file by the next
    # reader; readers open read-only and never write one, so any present is debris.
    Path(f"{published_path}.wal").unlink(missing_ok=True)


def _prune(history_dir: Path, published_path: Path, keep: int) -> None:
    files = sorted(history_dir.glob(f"{published_path.stem}-*{published_path.suffix}"))
    for old in files[: max(len(files) - max(keep, 1), 0)]:
        old.unlink(missing_ok=True)


def _fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_dir(path: Path) -> None:
    # The rename or link is durable only once the directory entry itself is on disk.
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _log_line(logs_dir: Path | None, text: str) -> None:
    if logs_dir is None:
        return
    logs_dir.mkdir(parents=True, exist_ok=True)
    with (logs_dir / "publish.log").open("a", encoding="utf-8") as log:
        log.write(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {text}\n")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
