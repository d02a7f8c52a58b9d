"""Bulk load of a landed batch into `raw.<source>__<entity>`, in one pass of SQL.

DuckDB reads the batch's NDJSON files itself: no row goes through Python. Each field is
parsed with TRY_CAST to its contract type; a record whose required field is missing or whose
value does not parse goes to `raw._quarantine` with the reason and its payload, everything
else is appended to raw with `_batch_id`, `_extracted_at`, `_source`. Fields the contract does
not know are kept in `_extra` (JSON), never dropped. A batch id is loaded once: loading it
again is a no-op.

Two routes to the same rows. Most batches hold only fields the contract knows and no bad
record: `read_json` reads the known fields as text straight into the typed insert, one
parse per record and no intermediate table (`_load_direct`). Which fields a batch holds
the landing manifest says, or, for pages landed as the source sent them (NDJSON), one
DuckDB pass over the keys (`_fields_in_files`). When there are unknown fields, or the
insert takes fewer records than the batch holds (so some need quarantine), the
transaction is rolled back and the batch goes the checked route (`_load_checked`): every
record parsed as a JSON object, its reason computed, the payload kept for quarantine and
`_extra` built. A landed line that is not JSON at all is quarantined with its file and
line number and its text as the payload.

How a record is typed and judged is extractors/landing/records.py; the raw tables and the
bookkeeping are extractors/landing/raw.py; what quarantine holds, and when it lets go,
extractors/landing/quarantine.py.
"""

from __future__ import annotations

import json
import queue
import tempfile
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import orjson

from extractors.contract import Entity
from extractors.landing.batch import Counts, LandedBatch, LoadResult
from extractors.landing.files import read_manifest
from extractors.landing.quarantine import quarantine_lines, release_quarantine
from extractors.landing.raw import ensure_meta, ensure_raw_table, raw_table, sql_str
from extractors.landing.records import (
    clean_expr,
    hwm_expr,
    json_paths,
    key_expr,
    read_json_text,
    reason_expr,
    typed_fields,
)


def load_batch(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    batch_dir: Path,
    plant_tz: str,
) -> LoadResult:
    """Load one complete landed batch. Raises FileNotFoundError for an incomplete one."""
    manifest = read_manifest(batch_dir)
    if manifest is None:
        raise FileNotFoundError(f"{batch_dir}: batch has no manifest (extraction did not finish)")
    batch_id = manifest["batch_id"]
    ensure_meta(con)
    ensure_raw_table(con, entity)
    done = con.execute(
        "select rows_loaded, rows_quarantined, high_water_mark from raw._batches where batch_id = ?",
        [batch_id],
    ).fetchone()
    if done:
        return LoadResult(batch_id, done[0], done[1], done[2], already_loaded=True)

    batch = LandedBatch(
        entity, batch_id, manifest, sorted(batch_dir.glob("part-*.ndjson")), plant_tz
    )
    with tempfile.TemporaryDirectory(prefix="perfchain-load-") as scratch:
        fields = manifest.get("fields")
        unparsable: list[tuple[str, str]] = []
        if batch.files and fields is None:  # landed as the source sent it: look in DuckDB
            fields = _fields_in_files(con, batch)
            if fields is None:  # some line is not JSON: set it aside for quarantine
                batch, unparsable = _set_aside_unparsable(batch, Path(scratch))
        routes = [_load_checked]
        # fields None here: DuckDB refuses a line orjson took; the checked route says why.
        if batch.files and not unparsable and "records" in manifest and _only_known(entity, fields):
            routes.insert(0, _load_direct)
        for route in routes:
            con.execute("begin transaction")
            try:
                counts = route(con, batch)
                if counts is None:  # records to quarantine: the next route takes the batch
                    con.execute("rollback")
                    continue
                if unparsable:
                    quarantine_lines(con, batch, unparsable)
                    counts = (counts[0], counts[1] + len(unparsable), counts[2])
                _record_batch(con, batch, *counts)
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
            return LoadResult(batch_id, *counts)
    raise AssertionError("the checked route loads every batch")


def _only_known(entity: Entity, fields: list[str] | set[str] | None) -> bool:
    """Every field a batch holds is in the contract (None: the fields are not known)."""
    return fields is not None and set(fields) <= {f.name for f in entity.fields}


def _fields_in_files(con: duckdb.DuckDBPyConnection, batch: LandedBatch) -> list[str] | None:
    """The keys of the batch's records; None when a line is not JSON. A source writes
    every record with the same keys in the same order, so one pass compares each record's
    key list with the first's (2.5 s on 8 M records, where collecting the distinct keys
    takes 4.5 s); only when some differ are the distinct keys collected."""
    try:
        first = con.execute(f"select json_keys(json) from {batch.objects} limit 1").fetchone()
        if first is None or first[0] is None:
            return []
        (others,) = con.execute(
            f"select count(*) from {batch.objects} where json_keys(json) is distinct from ?",
            [first[0]],
        ).fetchone()
        if not others:
            return list(first[0])
        rows = con.execute(f"select distinct unnest(json_keys(json)) from {batch.objects}")
        return [key for (key,) in rows.fetchall()]
    except duckdb.InvalidInputException:
        return None


def _set_aside_unparsable(
    batch: LandedBatch, scratch: Path
) -> tuple[LandedBatch, list[tuple[str, str]]]:
    """Copy the lines that are JSON objects into one file under `scratch`, for the checked
    route; the others come back as (reason naming file and line, payload: the line's text
    as a JSON string). Only batches with such a line come here, so Python's speed is fine."""
    unparsable: list[tuple[str, str]] = []
    kept = scratch / "part-00001.ndjson"
    with kept.open("wb") as out:
        for path in batch.files:
            with path.open("rb") as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        value = orjson.loads(line)
                        reason = None if isinstance(value, dict) else "not a JSON object"
                    except orjson.JSONDecodeError as error:
                        reason = f"not valid JSON: {error}"
                    if reason is None:
                        out.write(line.rstrip(b"\r\n") + b"\n")
                        continue
                    text = line.decode("utf-8", errors="replace").rstrip("\r\n")
                    unparsable.append(
                        (f"{path.name} line {number}: {reason}", orjson.dumps(text).decode())
                    )
    return replace(batch, files=[kept]), unparsable


def _load_direct(con: duckdb.DuckDBPyConnection, batch: LandedBatch) -> Counts | None:
    """Known fields only: read as text by `read_json`, typed and inserted in one statement.
    None (the caller rolls back) when some record would need quarantine."""
    inserted = _insert_direct(con, batch)
    if inserted is None or inserted != batch.manifest["records"]:
        return None
    return inserted, 0, _high_water_mark(con, batch)


def _insert_direct(con: duckdb.DuckDBPyConnection, batch: LandedBatch) -> int | None:
    """Insert the batch's clean records (see `_load_direct`); how many there were. None
    when `read_json` refuses a record the checked route can take (a repeated key: JSON
    allows it, `read_json` does not; the checked route keeps one value)."""
    entity = batch.entity
    columns = "{" + ", ".join(f"{sql_str(f.name)}: 'VARCHAR'" for f in entity.fields) + "}"
    texts = ", ".join(f'"{f.name}" as {read_json_text(i)}' for i, f in enumerate(entity.fields))
    names = ", ".join(f'"{f.name}"' for f in entity.fields)
    try:
        found = con.execute(
            f"""
        insert into {raw_table(entity)}
        select {names}, null, {batch.meta_columns}
        from (
            select *, {typed_fields(entity, read_json_text)}
            from (
                select {texts}
                from read_json({batch.file_list}, format = 'newline_delimited',
                    columns = {columns})
            )
        )
        where {clean_expr(entity)}
        """
        ).fetchone()
    except duckdb.InvalidInputException:
        return None
    return int(found[0])


def _high_water_mark(con: duckdb.DuckDBPyConnection, batch: LandedBatch) -> datetime | None:
    (hwm,) = con.execute(
        f"select max({hwm_expr(batch.entity, batch.plant_tz)}) from {raw_table(batch.entity)} "
        "where _batch_id = ?",
        [batch.batch_id],
    ).fetchone()
    return hwm


def _load_checked(con: duckdb.DuckDBPyConnection, batch: LandedBatch) -> Counts:
    """Every record parsed as a JSON object: typed, checked, quarantined with its reason and
    payload where it fails, unknown fields kept in `_extra`."""
    entity = batch.entity
    known = "{" + ",".join(f'"{f.name}":null' for f in entity.fields) + "}"
    known_keys = "[" + ", ".join(sql_str(f.name) for f in entity.fields) + "]"
    columns = ", ".join(f'"{f.name}"' for f in entity.fields)
    if batch.files:
        # One pass over the landed records, each parsed twice in all: once for its
        # fields, once for its keys. The payload is kept only for quarantined records;
        # _extra (the fields the contract does not know) is built only where there are any.
        con.execute(
            f"""
            create or replace temp table _landed as
            with objects as (
                select json as payload,
                    json_extract_string(json, {json_paths(entity)}) as _values,
                    json_keys(json) as _keys
                from read_json_objects({batch.file_list}, format = 'newline_delimited')
            ),
            typed as (
                select payload, _values, _keys, {typed_fields(entity)}
                from objects
            ),
            checked as (
                select *, {reason_expr(entity)} as _reason
                from typed
            )
            select {columns}, _reason,
                case when _reason <> '' then payload end as payload,
                case when len(list_intersect(_keys, {known_keys})) < len(_keys)
                    then json_merge_patch(payload, {sql_str(known)})
                end as _extra
            from checked
            """
        )
    else:
        con.execute(
            f"create or replace temp table _landed as select {columns}, "
            "'' as _reason, null::json as payload, null::json as _extra "
            f"from {raw_table(entity)} where false"
        )
    con.execute(
        f"""
        insert into {raw_table(entity)}
        select {columns}, _extra, {batch.meta_columns}
        from _landed where _reason = ''
        """
    )
    con.execute(
        f"""
        insert into raw._quarantine (source, entity, batch_id, reason, payload,
            record_key, modified_at, window_since, window_until)
        select {sql_str(entity.source)}, {sql_str(entity.name)}, {sql_str(batch.batch_id)},
            _reason, payload, {key_expr(entity)}, {hwm_expr(entity, batch.plant_tz)},
            ?::timestamptz, ?::timestamptz
        from _landed where _reason <> ''
        """,
        list(batch.window),
    )
    loaded, quarantined, hwm = con.execute(
        f"""
        select count(*) filter (where _reason = ''), count(*) filter (where _reason <> ''),
            max({hwm_expr(entity, batch.plant_tz)}) filter (where _reason = '')
        from _landed
        """
    ).fetchone()
    con.execute("drop table _landed")
    return loaded, quarantined, hwm


class ConcurrentLoad:
    """Loads a batch's landing files while the extraction is still writing the next ones.

    Extracting, the process mostly waits on the source (its query, its rendering, the
    wire), so the finished files are loaded meanwhile, as many in a statement as DuckDB
    has threads, on a thread of its own (DuckDB releases the GIL): the load no longer
    follows the extraction. Every file goes the direct route, all inside one transaction
    that `finish` commits with the batch's record once the manifest exists. A file the
    direct route cannot take whole (a record for quarantine, an unknown field, a line that
    is not JSON) ends the early loading: `finish` rolls back and loads the whole batch with
    `load_batch`, the same rows as if nothing had been loaded early. A failed extraction
    calls `abort`: nothing stays.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        entity: Entity,
        batch_id: str,
        started_at: str,
        plant_tz: str,
    ) -> None:
        self._con = con
        self._entity = entity
        self._batch_id = batch_id
        self._started_at = started_at
        self._plant_tz = plant_tz
        self._queue: queue.SimpleQueue[tuple[Path, int, set[str] | None] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._in_transaction = False
        self._declined = False
        self._error: BaseException | None = None
        self._files: list[Path] = []
        self._loaded = 0
        (threads,) = con.execute("select current_setting('threads')").fetchone()
        self._files_per_load = max(1, int(threads))  # see _work

    def file_done(self, path: Path, records: int, fields: set[str] | None) -> None:
        """BatchWriter's `on_file`: one landing file is complete."""
        if self._thread is None:
            ensure_meta(self._con)
            ensure_raw_table(self._con, self._entity)
            self._thread = threading.Thread(
                target=self._work, name=f"load {self._entity.source}.{self._entity.name}"
            )
            self._thread.start()
        self._queue.put((path, records, fields))

    def _work(self) -> None:
        stopping = False
        waiting: list[tuple[Path, int, set[str] | None]] = []
        while not stopping:
            # Every file waiting is loaded in one statement, and no fewer files than DuckDB
            # has threads until the last: each thread then reads a file of its own. Fewer
            # files are split between the threads, and the insert costs half as much CPU
            # again (8.1 M line measures on 2 threads, 42 one-file statements: 22.5 s CPU;
            # 21 two-file ones: 15.6 s; one: 16.1 s. On 4 threads, two files a statement:
            # 25.7 s; four: 16.8 s).
            items = [self._queue.get()]
            while True:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stopping = None in items
            waiting.extend(item for item in items if item is not None)
            if len(waiting) < self._files_per_load and not stopping:
                continue
            files, waiting = waiting, []
            if not files or self._declined or self._error is not None:
                continue
            try:
                if not self._in_transaction:
                    self._con.execute("begin transaction")
                    self._in_transaction = True
                self._load_files(files)
            except BaseException as error:  # handed to the extracting thread in finish
                self._error = error

    def _load_files(self, files: list[tuple[Path, int, set[str] | None]]) -> None:
        paths = [path for path, _, _ in files]
        records = sum(count for _, count, _ in files)
        manifest = {"started_at": self._started_at, "records": records}
        batch = LandedBatch(self._entity, self._batch_id, manifest, paths, self._plant_tz)
        fields = [seen for _, _, seen in files]
        seen = set().union(*fields) if None not in fields else _fields_in_files(self._con, batch)
        if not _only_known(self._entity, seen) or _insert_direct(self._con, batch) != records:
            self._declined = True
            return
        self._files.extend(paths)
        self._loaded += records

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()

    def _rollback(self) -> None:
        if self._in_transaction:
            self._in_transaction = False
            self._con.execute("rollback")

    def abort(self) -> None:
        self._stop()
        self._rollback()

    def finish(self, batch_dir: Path) -> LoadResult:
        """After the manifest is written: commit what was loaded, or load the batch anew."""
        self._stop()
        try:
            if self._error is not None:
                raise self._error
            manifest = read_manifest(batch_dir)
            files = sorted(batch_dir.glob("part-*.ndjson"))
            if (
                self._declined
                or manifest is None
                or not files
                or files != self._files
                or self._loaded != manifest.get("records")
            ):
                self._rollback()
                return load_batch(self._con, self._entity, batch_dir, self._plant_tz)
            batch = LandedBatch(self._entity, self._batch_id, manifest, files, self._plant_tz)
            hwm = _high_water_mark(self._con, batch)
            _record_batch(self._con, batch, self._loaded, 0, hwm)
            self._con.execute("commit")
            self._in_transaction = False
        except BaseException:
            self._rollback()
            raise
        return LoadResult(self._batch_id, self._loaded, 0, hwm)


def _record_batch(
    con: duckdb.DuckDBPyConnection,
    batch: LandedBatch,
    loaded: int,
    quarantined: int,
    hwm: datetime | None,
) -> None:
    entity, manifest = batch.entity, batch.manifest
    extracted_at = batch.extracted_at
    cursor = json.dumps(manifest.get("cursor")) if manifest.get("cursor") is not None else None
    con.execute(
        """
        insert into raw._batches (
            source, entity, batch_id, rows_loaded, rows_quarantined, high_water_mark,
            cursor, extracted_at, loaded_at, window_until
        )
        values (?, ?, ?, ?, ?, ?, ?, ?::timestamptz, current_timestamp, ?::timestamptz)
        """,
        [
            entity.source,
            entity.name,
            batch.batch_id,
            loaded,
            quarantined,
            hwm,
            cursor,
            extracted_at,
            # How far the batch read (the freshness of its source, SPEC §8.6): the end of
            # the window it asked for, or when it began for a source read whole.
            batch.window[1] or extracted_at,
        ],
    )
    release_quarantine(con, batch, quarantined)
    if hwm is not None or cursor is not None:
        # The mark only moves forward: an overlap re-read never pulls it back.
        con.execute(
            """
            insert into raw._watermarks as w
                (source, entity, high_water_mark, cursor, batch_id, updated_at)
            values (?, ?, ?, ?, ?, ?::timestamptz)
            on conflict (source, entity) do update set
                high_water_mark = greatest(w.high_water_mark, excluded.high_water_mark),
                cursor = coalesce(excluded.cursor, w.cursor),
                batch_id = excluded.batch_id,
                updated_at = excluded.updated_at
            """,
            [entity.source, entity.name, hwm, cursor, batch.batch_id, extracted_at],
        )
