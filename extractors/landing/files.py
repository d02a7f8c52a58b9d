"""Landing files: pages stream to NDJSON under landing/<source>/<entity>/<batch>/.

A batch is complete only when its `_manifest.json` exists; the loader ignores anything
else, so a run that dies mid-extraction leaves a partial folder that is never loaded and
a high-water mark that has not moved: the next run asks for the same records again.
Pages that came as NDJSON are written as received; lists of records one `orjson` line
each.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from extractors._http.client import NdjsonPage, Page

MANIFEST = "_manifest.json"
PAGE_ROWS = 200_000  # rows per landing file: big enough for bulk reads, small enough to stream


def new_batch_id(run_date: str | None = None) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{run_date or 'adhoc'}_{stamp}_{uuid.uuid4().hex[:6]}"


@dataclass
class BatchWriter:
    """Writes one extraction of one entity. Records land exactly as received."""

    root: Path
    source: str
    entity: str
    batch_id: str
    records: int = 0
    pages: int = 0
    started: float = field(default_factory=time.monotonic)
    # The fields seen, for the manifest (the loader's direct route needs every one known
    # to the schema); None once an NDJSON page landed unparsed: the loader looks itself.
    fields: set[str] | None = field(default_factory=set)
    # Called with (path, records, fields so far) as each landing file is completed, so the
    # loader can take it while the next one is written (load.ConcurrentLoad).
    on_file: Callable[[Path, int, set[str] | None], None] | None = None
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def __post_init__(self) -> None:
        self.dir = self.root / self.source / self.entity / self.batch_id
        self.dir.mkdir(parents=True, exist_ok=False)
        self._file = None
        self._file_rows = 0
        self._files = 0

    def write(self, records: Page | Iterable[dict[str, Any]]) -> int:
        if isinstance(records, NdjsonPage):
            return self._write_ndjson(records)
        records = list(records)
        if self.fields is not None:
            self.fields.update(*records)
        start = 0
        while start < len(records):
            if self._file is None or self._file_rows >= PAGE_ROWS:
                self._roll()
            chunk = records[start : start + PAGE_ROWS - self._file_rows]
            self._file.write(b"\n".join(map(orjson.dumps, chunk)) + b"\n")
            self._file_rows += len(chunk)
            start += len(chunk)
        self.records += len(records)
        self.pages += 1
        return len(records)

    def _write_ndjson(self, page: NdjsonPage) -> int:
        # Whole pages: a file may pass PAGE_ROWS by one page, never splits a record.
        if self._file is None or self._file_rows >= PAGE_ROWS:
            self._roll()
        self._file.write(page.body)
        self._file_rows += page.count
        self.records += page.count
        self.pages += 1
        self.fields = None
        return page.count

    def _roll(self) -> None:
        self._close_file()
        self._files += 1
        self._file = open(self.dir / f"part-{self._files:05d}.ndjson", "wb")  # noqa: SIM115
        self._file_rows = 0

    def _close_file(self) -> None:
        if self._file is None:
            return
        self._file.close()
        self._file = None
        if self.on_file is not None:
            fields = set(self.fields) if self.fields is not None else None
            self.on_file(self.dir / f"part-{self._files:05d}.ndjson", self._file_rows, fields)

    def finish(self, **details: Any) -> Path:
        """Close the batch; `details` (window, cursor state, requests) go in the manifest."""
        self._close_file()
        manifest = {
            "source": self.source,
            "entity": self.entity,
            "batch_id": self.batch_id,
            "records": self.records,
            "pages": self.pages,
            "files": self._files,
            "fields": sorted(self.fields) if self.fields is not None else None,
            "seconds": round(time.monotonic() - self.started, 3),
            "started_at": self.started_at,
            "finished_at": datetime.now(UTC).isoformat(),
            **details,
        }
        tmp = self.dir / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, default=str), encoding="utf-8")
        tmp.replace(self.dir / MANIFEST)
        return self.dir

    def abandon(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_manifest(batch_dir: Path) -> dict[str, Any] | None:
    path = batch_dir / MANIFEST
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def prune_landing(root: Path, retention_days: int, keep: set[str] | None = None) -> int:
    """Delete batch folders older than the retention; returns how many were removed."""
    cutoff = time.time() - timedelta(days=retention_days).total_seconds()
    removed = 0
    for batch_dir in root.glob("*/*/*"):
        if not batch_dir.is_dir() or (keep and batch_dir.name in keep):
            continue
        if batch_dir.stat().st_mtime < cutoff:
            shutil.rmtree(batch_dir, ignore_errors=True)
            removed += 1
    return removed
