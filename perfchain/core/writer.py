"""The one writer of the working warehouse: the nightly run and the signals micro-batch
take turns (SPEC §2: DuckDB allows one writing process per file).

A run holds `warehouse_writer` for its whole length, not only while a step has the file
open: a micro-batch slipped between the nightly's extraction and its dbt build would
build marts from raw the nightly had not finished. The lock is an `flock` on a file
beside the warehouse, so the kernel drops it when its holder dies, however it dies; the
file also says who holds it, for the message of the one that waits or skips.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


def lock_path(warehouse_path: Path) -> Path:
    return warehouse_path.parent / f".{warehouse_path.name}.writer.lock"


def holder(warehouse_path: Path) -> str:
    """Who holds (or last held) the writer lock, in words: 'the nightly run as of
    2026-03-01 (pid 4242, since 02:00:05 UTC)'."""
    try:
        text = lock_path(warehouse_path).read_text(encoding="utf-8")
        held = json.loads(text)
    except (OSError, ValueError):
        return "another perfchain run"
    return f"{held.get('job', 'another run')} (pid {held.get('pid')}, since {held.get('since')})"


@contextmanager
def warehouse_writer(
    warehouse_path: Path,
    job: str,
    *,
    wait: bool,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[bool]:
    """Hold the writer lock for the block; yields False when `wait` is off and another
    process holds it (the caller says so and skips). With `wait`, `on_wait` hears who
    holds it before the wait begins. `job` names the holder for others."""
    warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(warehouse_path)
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            if on_wait is not None:
                on_wait(holder(warehouse_path))
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            handle.truncate()
            since = f"{datetime.now(UTC):%H:%M:%S} UTC"
            handle.write(json.dumps({"job": job, "pid": os.getpid(), "since": since}))
            handle.flush()
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_held(warehouse_path: Path) -> bool:
    """Whether a writer holds the lock now (for a schedule deciding to skip a tick)."""
    path = lock_path(warehouse_path)
    if not path.exists():
        return False
    with path.open("a", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
