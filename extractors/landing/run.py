"""Extract one entity: high-water mark → pages → landing batch → bulk load.

The stage in order, one batch from the source's page to `raw.*`: `extract_entity` (here)
asks the client for the window after the high-water mark (raw.py) and for what quarantine
still holds (quarantine.py); `read_ahead` fetches the next page while this one lands;
files.py writes the pages as NDJSON and the manifest that completes the batch; load.py
loads the files into `raw.<source>__<entity>` while later pages still arrive
(`ConcurrentLoad`), typing and judging each record with records.py and setting aside
what fails in `raw._quarantine`; the batch's row in `raw._batches` and the new high-water
mark commit with the rows.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from extractors._http.client import Page, SourceClient, Window
from extractors.contract import Entity
from extractors.landing.batch import LoadResult
from extractors.landing.files import BatchWriter, new_batch_id
from extractors.landing.load import ConcurrentLoad
from extractors.landing.quarantine import (
    OpenRecord,
    open_quarantine,
    quarantined_positions,
    retry_since,
)
from extractors.landing.raw import read_watermark


@dataclass(frozen=True)
class EntityRun:
    source: str
    entity: str
    batch_id: str
    records_extracted: int
    rows_loaded: int
    rows_quarantined: int
    high_water_mark: datetime | None
    since: datetime | None
    until: datetime | None
    requests: int
    seconds: float
    # Open quarantined records this run asked for again, and those still open after it.
    retried: int = 0
    open_quarantine: tuple[OpenRecord, ...] = ()

    def as_metadata(self) -> dict[str, object]:
        return {
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "records_extracted": self.records_extracted,
            "high_water_mark": self.high_water_mark.isoformat() if self.high_water_mark else "",
            "window_since": self.since.isoformat() if self.since else "(full load)",
            "window_until": self.until.isoformat() if self.until else "",
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "batch_id": self.batch_id,
            "quarantine_retried": self.retried,
            "open_quarantine": _listing(self.open_quarantine),
        }


OPEN_LISTED = 20  # held records named one by one in the metadata and the run summary


def _listing(records: tuple[OpenRecord, ...]) -> str:
    """The open quarantine, oldest first, one line each up to OPEN_LISTED: a batch of
    thousands of broken lines must not bury the rest of the run summary."""
    lines = [record.describe() for record in records[:OPEN_LISTED]]
    if len(records) > OPEN_LISTED:
        first = records[0]
        lines.append(
            f"{first.source}.{first.entity}: {len(records) - OPEN_LISTED} more held "
            "(see raw._quarantine where released_at is null)"
        )
    return "\n".join(lines)


def end_of_day(day: date, tz: str) -> datetime:
    """The first instant after the plant-local day, as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), dtime(0), tzinfo=ZoneInfo(tz))


_DONE = object()


def read_ahead(pages: Iterator[Page]) -> Iterator[Page]:
    """The pages of `pages`, one fetched ahead on a thread of its own: the source prepares
    the next page (its query, its rendering, the wire) while this one is landed and loaded,
    where otherwise each side waits for the other (all sources but the line measures at
    scale m, medians of three runs alternated: 13.7 → 11.6 s). A walk that completes asks
    the source for the same pages as without it, only earlier. An error on either side
    ends both: the fetching thread's is raised here; when the caller stops early and
    closes it, the fetching thread stops after the page it is fetching: one page more
    than the caller took, at most.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for page in pages:
                handoff.put(page)
                handoff.join()  # the next page is asked for once this one is taken
                if stop.is_set():
                    break
            else:
                handoff.put(_DONE)
        except BaseException as error:  # handed to the caller's thread
            handoff.put(error)
        finally:
            pages.close()  # type: ignore[attr-defined]  # a generator closes in its own thread

    fetcher = threading.Thread(target=fetch, name="read ahead", daemon=True)
    fetcher.start()
    try:
        while True:
            item = handoff.get()
            handoff.task_done()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while fetcher.is_alive():  # take what it hands over until it has stopped
            try:
                handoff.get_nowait()
                handoff.task_done()
            except queue.Empty:
                fetcher.join(timeout=0.01)  # returns as soon as the thread ends


def extract_entity(
    client: SourceClient,
    entity: Entity,
    con: duckdb.DuckDBPyConnection,
    landing_root: Path,
    *,
    run_date: date | None,
    plant_tz: str,
    overlap: timedelta,
    quarantine_retry: timedelta = timedelta(days=30),
    until: datetime | None = None,
) -> EntityRun:
    """Extract what changed since the mark (less the overlap), and what is still held in
    quarantine: the window starts early enough to read every open quarantined record of
    the entity again (quarantined within `quarantine_retry`), through the source's own
    incremental protocol, so a record spoiled in transit is not lost once the mark has
    moved past it (docs/operations.md, "Quarantine").

    The window ends at `until` when given (a signals micro-batch's moment), else at the
    end of the plant day `run_date`."""
    started = time.monotonic()
    requests_before = client.requests_made
    hwm, cursor = read_watermark(con, entity)
    since = (hwm - overlap) if hwm is not None else None
    retrying, retry_from = retry_since(con, entity, overlap, quarantine_retry)
    window_since = since
    if retrying and since is not None:
        window_since = None if retry_from is None else min(since, retry_from)
    retry_cursor = getattr(client, "retry_cursor", None)
    if retrying and cursor is not None:
        # A stream source resumes from a cursor, not from `since`: it is asked for a
        # cursor that reads the held records again (None: its protocol no longer has them).
        rewound = (
            retry_cursor(entity, cursor, quarantined_positions(con, entity, quarantine_retry))
            if retry_cursor is not None
            else None
        )
        if rewound is None:
            window_since = since
        else:
            cursor = rewound
    window = Window(
        since=window_since,
        until=until or (end_of_day(run_date, plant_tz) if run_date else None),
        cursor=cursor,
    )
    batch_id = new_batch_id(run_date.isoformat() if run_date else None)
    writer = BatchWriter(landing_root, entity.source, entity.name, batch_id)
    loading = ConcurrentLoad(con, entity, batch_id, writer.started_at, plant_tz)
    writer.on_file = loading.file_done
    try:
        with closing(read_ahead(client.extract(entity, window))) as pages:
            for page in pages:
                writer.write(page)
        batch_dir = writer.finish(
            # A retry the source could not serve does not count as covering its window.
            since=since if window.retry_missed else window.since,
            until=window.until,
            cursor=window.next_cursor,
            requests=client.requests_made - requests_before,
        )
    except BaseException:
        writer.abandon()  # the folder stays without a manifest: never loaded, mark unmoved
        loading.abort()
        raise
    result: LoadResult = loading.finish(batch_dir)
    return EntityRun(
        source=entity.source,
        entity=entity.name,
        batch_id=result.batch_id,
        records_extracted=writer.records,
        rows_loaded=result.rows_loaded,
        rows_quarantined=result.rows_quarantined,
        high_water_mark=result.high_water_mark,
        since=window.since,
        until=window.until,
        requests=client.requests_made - requests_before,
        seconds=time.monotonic() - started,
        retried=retrying,
        open_quarantine=tuple(open_quarantine(con, entity)),
    )
