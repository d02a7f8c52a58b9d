"""The published file as its readers and its publisher share it: the read-only open, the
publish log, the publisher lock and the debris of a killed publish.

Readers (the gate's history checks, the reports, `perfchain order`) only ever open the
published file through `open_published`; the publisher (expectations/publish.py) writes a
new file beside it and replaces it whole, holding `publisher_lock`. Both sides live here,
at the bottom, so that neither has to import the other.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb


@contextmanager
def open_published(published_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published file that no other process can refuse.

    DuckDB's read-only open takes a shared lock on the file, so it fails while another
    process holds the file read-write (a BI tool connected without read-only). Then the
    connection is to a private copy in the system's temporary folder, deleted on exit:
    the published file is only ever replaced whole, never changed in place, so its bytes
    are the published content whoever holds it.
    """
    try:
        con = duckdb.connect(str(published_path), read_only=True)
    except duckdb.IOException as error:
        if "Could not set lock" not in str(error):
            raise
        con = None
    if con is not None:
        with con:
            yield con
        return
    with tempfile.TemporaryDirectory(prefix="perfchain-snapshot-") as folder:
        copy = Path(folder) / published_path.name
        shutil.copyfile(published_path, copy)
        with duckdb.connect(str(copy), read_only=True) as snapshot:
            yield snapshot


def remove_stale_temporaries(published_path: Path) -> list[Path]:
    """Remove what a killed publish or rollback left in `published/`; returns the files
    removed. Only when no publisher holds the lock: a running publish's temporary file is
    not stale. Never touches the published file or history."""
    if not published_path.parent.is_dir():
        return []
    with publisher_lock(published_path, wait=False) as acquired:
        if not acquired:
            return []
        return remove_temporaries(published_path)


def read_publish_log(published_path: Path) -> list[dict[str, Any]]:
    """The published file's `meta.publish_log`, oldest first (empty when none)."""
    if not published_path.exists():
        return []
    with open_published(published_path) as con:
        try:
            cursor = con.execute("select * from meta.publish_log order by published_at")
        except duckdb.CatalogException:
            return []
        names = [description[0] for description in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@contextmanager
def publisher_lock(published_path: Path, *, wait: bool) -> Iterator[bool]:
    """Hold the publisher lock for the block; yields False when `wait` is off and another
    process holds it. `flock` locks belong to the open file, so the kernel drops them when
    the holder dies, however it dies."""
    published_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = published_path.parent / f".{published_path.name}.lock"
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_temporaries(published_path: Path) -> list[Path]:
    """Temporary files (and their WAL) of a publish or rollback that was killed: named
    `.<stem>-….tmp…`, which neither the published file nor its lock file is."""
    removed = []
    for leftover in sorted(published_path.parent.glob(f".{published_path.stem}-*.tmp*")):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed
