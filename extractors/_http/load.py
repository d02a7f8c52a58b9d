"""Bulk load of a landed batch into `raw.<source>__<entity>`, in one pass of SQL.

DuckDB reads the batch's NDJSON files itself: no row goes through Python. Each field is
parsed with TRY_CAST to its schema type; a record whose required field is missing or whose
value does not parse goes to `raw._quarantine` with the reason and its payload, everything
else is appended to raw with `_batch_id`, `_extracted_at`, `_source`. Fields the schema does
not know are kept in `_extra` (JSON), never dropped. A batch id is loaded once: loading it
again is a no-op.

Two routes to the same rows. Most batches hold only fields the schema knows and no bad
record: `read_json` reads the known fields as text straight into the typed insert, one
parse per record and no intermediate table (`_load_direct`). Which fields a batch holds
the landing manifest says, or, for pages landed as the source sent them (NDJSON), one
DuckDB pass over the keys (`_fields_in_files`). When there are unknown fields, or the
insert takes fewer records than the batch holds (so some need quarantine), the
transaction is rolled back and the batch goes the checked route (`_load_checked`): every
record parsed as a JSON object, its reason computed, the payload kept for quarantine and
`_extra` built. A landed line that is not JSON at all is quarantined with its file and
line number and its text as the payload.

Quarantine is a queue (docs/operations.md, "Quarantine"): each quarantined row keeps the
record's key (`key_expr`), its version time and its batch's window, so the runner can ask
for it again (`retry_since`), and a later batch releases it (`release_quarantine`) when a
good version of the key loads, or, for a keyless one, when it read the whole window again
with nothing quarantined. `open_quarantine` lists what is still held.
"""

from __future__ import annotations

import json
import queue
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson

from extractors._http.landing import read_manifest
from extractors.contract import Entity

SQL_TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "dec": "DECIMAL(18,4)",
    "bool": "BOOLEAN",
    "date": "DATE",
    "ts_utc": "TIMESTAMPTZ",
    "ts_offset": "TIMESTAMPTZ",
    "ts_local": "TIMESTAMP",  # plant-local wall time, no zone: staging applies the zone
}

META_DDL = """
create schema if not exists raw;
create table if not exists raw._quarantine (
    source varchar, entity varchar, batch_id varchar, reason varchar, payload json,
    quarantined_at timestamptz default current_timestamp
);
alter table raw._quarantine add column if not exists record_key varchar;
alter table raw._quarantine add column if not exists modified_at timestamptz;
alter table raw._quarantine add column if not exists window_since timestamptz;
alter table raw._quarantine add column if not exists window_until timestamptz;
alter table raw._quarantine add column if not exists released_at timestamptz;
alter table raw._quarantine add column if not exists released_by_batch varchar;
create table if not exists raw._batches (
    source varchar, entity varchar, batch_id varchar primary key, rows_loaded bigint,
    rows_quarantined bigint, high_water_mark timestamptz, cursor json,
    extracted_at timestamptz, loaded_at timestamptz default current_timestamp
);
create table if not exists raw._watermarks (
    source varchar, entity varchar, high_water_mark timestamptz, cursor json,
    batch_id varchar, updated_at timestamptz default current_timestamp,
    primary key (source, entity)
);
"""


@dataclass(frozen=True)
class LoadResult:
    batch_id: str
    rows_loaded: int
    rows_quarantined: int
    high_water_mark: datetime | None
    already_loaded: bool = False


def raw_table(entity: Entity) -> str:
    return f"raw.{entity.source}__{entity.name}"


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(META_DDL)


def ensure_raw_table(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    columns = ",\n    ".join(f'"{f.name}" {SQL_TYPES[f.type]}' for f in entity.fields)
    con.execute(
        f"""
        create table if not exists {raw_table(entity)} (
            {columns},
            _extra json,
            _batch_id varchar not null,
            _extracted_at timestamptz not null,
            _source varchar not null
        )
        """
    )


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _paths(entity: Entity) -> str:
    """The JSON paths of the entity's fields, for one `json_extract_string` call that parses
    each record once (a `->>` per field would parse it once per field)."""
    return (
        "["
        + ", ".join(_sql_str("$." + json.dumps(f.name, ensure_ascii=False)) for f in entity.fields)
        + "]"
    )


def _raw(index: int) -> str:
    """The text of the entity's index-th field (as `->>` gives it), from `_values`."""
    return f"_values[{index + 1}]"


def _text(index: int) -> str:
    """The text of the entity's index-th field as `read_json` gives it (`_load_direct`)."""
    return f'"_text_{index}"'


def _typed_fields(entity: Entity, raw: Callable[[int], str] = _raw) -> str:
    """Each field parsed to its schema type (TRY_CAST: NULL when it does not parse)."""
    return ",\n".join(
        (f"try_cast({raw(i)} as {SQL_TYPES[f.type]})" if f.type != "str" else raw(i))
        + f' as "{f.name}"'
        for i, f in enumerate(entity.fields)
    )


def _failures(entity: Entity, text: Callable[[int], str]) -> list[tuple[str, str]]:
    """(SQL condition, SQL reason) for each way a record fails the schema: a required field
    missing, a value that does not parse to its type. `text(i)` is the i-th field's text,
    the typed columns are those of `_typed_fields`."""
    failures = []
    for i, f in enumerate(entity.fields):
        if f.required:
            failures.append((f"{text(i)} is null", f"'{f.name}: required, missing'"))
        if f.type != "str":
            failures.append(
                (
                    f'{text(i)} is not null and "{f.name}" is null',
                    f"'{f.name}: not a {f.type}: ' || left({text(i)}, 40)",
                )
            )
    return failures


def _clean_expr(entity: Entity) -> str:
    """True for a record the checked route would not quarantine, on the texts `read_json`
    gives (`_text`)."""
    return " and ".join(f"not ({condition})" for condition, _ in _failures(entity, _text)) or "true"


def _reason_expr(entity: Entity) -> str:
    """Why a record is quarantined ('' when it is not), on the texts of `_values` (`_raw`)."""
    cases = [
        f"case when {condition} then {reason} end" for condition, reason in _failures(entity, _raw)
    ]
    return "concat_ws('; ', " + ", ".join(cases) + ")" if cases else "''"


def _hwm_expr(entity: Entity, plant_tz: str) -> str:
    f = entity.field(entity.modstamp)
    if f.type == "ts_local":
        return f'timezone({_sql_str(plant_tz)}, "{f.name}")'
    if f.type in ("ts_utc", "ts_offset"):
        return f'"{f.name}"'
    raise ValueError(f"{entity.source}.{entity.name}: modstamp {f.name} is not a timestamp")


def _key_part(entity: Entity, name: str) -> str:
    """One key field of a typed row as text, spelled the same whatever the session's time
    zone: quarantine and raw are matched on it (`release_quarantine`)."""
    type_ = entity.field(name).type
    if type_ in ("ts_utc", "ts_offset"):
        return f"strftime(timezone('UTC', \"{name}\"), '%Y-%m-%dT%H:%M:%S.%fZ')"
    if type_ == "ts_local":
        return f"strftime(\"{name}\", '%Y-%m-%dT%H:%M:%S.%f')"
    return f'cast("{name}" as VARCHAR)'


def key_expr(entity: Entity) -> str:
    """The record's key as text, over its typed fields: the value of a one-field key, a
    JSON array of the texts for a composite one; null when a key field is missing or did
    not parse (a keyless quarantined record)."""
    parts = [_key_part(entity, name) for name in entity.key]
    if len(parts) == 1:
        return parts[0]
    missing = " or ".join(f'"{name}" is null' for name in entity.key)
    return f"case when {missing} then null else to_json([{', '.join(parts)}])::VARCHAR end"


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

    batch = _Batch(entity, batch_id, manifest, sorted(batch_dir.glob("part-*.ndjson")), plant_tz)
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
                    _quarantine(con, batch, unparsable)
                    counts = (counts[0], counts[1] + len(unparsable), counts[2])
                _record_batch(con, batch, *counts)
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
            return LoadResult(batch_id, *counts)
    raise AssertionError("the checked route loads every batch")


@dataclass(frozen=True)
class _Batch:
    entity: Entity
    batch_id: str
    manifest: dict[str, Any]
    files: list[Path]
    plant_tz: str

    @property
    def file_list(self) -> str:
        return "[" + ", ".join(_sql_str(str(p)) for p in self.files) + "]"

    @property
    def extracted_at(self) -> str:
        """When the batch's extraction began (its rows' `_extracted_at`): known before the
        first row lands, so rows can load while later pages are still coming. Batches
        landed before manifests recorded it use their end."""
        return self.manifest.get("started_at") or self.manifest["finished_at"]

    @property
    def window(self) -> tuple[str | None, str | None]:
        """The `since` and `until` the batch was asked for (None: open on that side)."""
        since, until = self.manifest.get("since"), self.manifest.get("until")
        return (str(since) if since else None, str(until) if until else None)

    @property
    def meta_columns(self) -> str:
        """`_batch_id`, `_extracted_at`, `_source` of every row of the batch."""
        return (
            f"{_sql_str(self.batch_id)}, {_sql_str(self.extracted_at)}::timestamptz, "
            f"{_sql_str(self.entity.source)}"
        )

    @property
    def objects(self) -> str:
        return f"read_json_objects({self.file_list}, format = 'newline_delimited')"


def _only_known(entity: Entity, fields: list[str] | set[str] | None) -> bool:
    """Every field a batch holds is in the schema (None: the fields are not known)."""
    return fields is not None and set(fields) <= {f.name for f in entity.fields}


def _fields_in_files(con: duckdb.DuckDBPyConnection, batch: _Batch) -> list[str] | None:
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


def _set_aside_unparsable(batch: _Batch, scratch: Path) -> tuple[_Batch, list[tuple[str, str]]]:
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


def _quarantine(con: duckdb.DuckDBPyConnection, batch: _Batch, rows: list[tuple[str, str]]) -> None:
    """Lines that are not JSON objects: no key can be read, only their window is known."""
    con.executemany(
        "insert into raw._quarantine (source, entity, batch_id, reason, payload, "
        "window_since, window_until) values (?, ?, ?, ?, ?, ?::timestamptz, ?::timestamptz)",
        [
            (batch.entity.source, batch.entity.name, batch.batch_id, r, p, *batch.window)
            for r, p in rows
        ],
    )


Counts = tuple[int, int, datetime | None]


def _load_direct(con: duckdb.DuckDBPyConnection, batch: _Batch) -> Counts | None:
    """Known fields only: read as text by `read_json`, typed and inserted in one statement.
    None (the caller rolls back) when some record would need quarantine."""
    inserted = _insert_direct(con, batch)
    if inserted is None or inserted != batch.manifest["records"]:
        return None
    return inserted, 0, _high_water_mark(con, batch)


def _insert_direct(con: duckdb.DuckDBPyConnection, batch: _Batch) -> int | None:
    """Insert the batch's clean records (see `_load_direct`); how many there were. None
    when `read_json` refuses a record the checked route can take (a repeated key: JSON
    allows it, `read_json` does not; the checked route keeps one value)."""
    entity = batch.entity
    columns = "{" + ", ".join(f"{_sql_str(f.name)}: 'VARCHAR'" for f in entity.fields) + "}"
    texts = ", ".join(f'"{f.name}" as {_text(i)}' for i, f in enumerate(entity.fields))
    names = ", ".join(f'"{f.name}"' for f in entity.fields)
    try:
        found = con.execute(
            f"""
        insert into {raw_table(entity)}
        select {names}, null, {batch.meta_columns}
        from (
            select *, {_typed_fields(entity, _text)}
            from (
                select {texts}
                from read_json({batch.file_list}, format = 'newline_delimited',
                    columns = {columns})
            )
        )
        where {_clean_expr(entity)}
        """
        ).fetchone()
    except duckdb.InvalidInputException:
        return None
    return int(found[0])


def _high_water_mark(con: duckdb.DuckDBPyConnection, batch: _Batch) -> datetime | None:
    (hwm,) = con.execute(
        f"select max({_hwm_expr(batch.entity, batch.plant_tz)}) from {raw_table(batch.entity)} "
        "where _batch_id = ?",
        [batch.batch_id],
    ).fetchone()
    return hwm


def _load_checked(con: duckdb.DuckDBPyConnection, batch: _Batch) -> Counts:
    """Every record parsed as a JSON object: typed, checked, quarantined with its reason and
    payload where it fails, unknown fields kept in `_extra`."""
    entity = batch.entity
    known = "{" + ",".join(f'"{f.name}":null' for f in entity.fields) + "}"
    known_keys = "[" + ", ".join(_sql_str(f.name) for f in entity.fields) + "]"
    columns = ", ".join(f'"{f.name}"' for f in entity.fields)
    if batch.files:
        # One pass over the landed records, each parsed twice in all: once for its
        # fields, once for its keys. The payload is kept only for quarantined records;
        # _extra (the fields the schema does not know) is built only where there are any.
        con.execute(
            f"""
            create or replace temp table _landed as
            with objects as (
                select json as payload,
                    json_extract_string(json, {_paths(entity)}) as _values,
                    json_keys(json) as _keys
                from read_json_objects({batch.file_list}, format = 'newline_delimited')
            ),
            typed as (
                select payload, _values, _keys, {_typed_fields(entity)}
                from objects
            ),
            checked as (
                select *, {_reason_expr(entity)} as _reason
                from typed
            )
            select {columns}, _reason,
                case when _reason <> '' then payload end as payload,
                case when len(list_intersect(_keys, {known_keys})) < len(_keys)
                    then json_merge_patch(payload, {_sql_str(known)})
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
        select {_sql_str(entity.source)}, {_sql_str(entity.name)}, {_sql_str(batch.batch_id)},
            _reason, payload, {key_expr(entity)}, {_hwm_expr(entity, batch.plant_tz)},
            ?::timestamptz, ?::timestamptz
        from _landed where _reason <> ''
        """,
        list(batch.window),
    )
    loaded, quarantined, hwm = con.execute(
        f"""
        select count(*) filter (where _reason = ''), count(*) filter (where _reason <> ''),
            max({_hwm_expr(entity, batch.plant_tz)}) filter (where _reason = '')
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
        batch = _Batch(self._entity, self._batch_id, manifest, paths, self._plant_tz)
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
            batch = _Batch(self._entity, self._batch_id, manifest, files, self._plant_tz)
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
    batch: _Batch,
    loaded: int,
    quarantined: int,
    hwm: datetime | None,
) -> None:
    entity, manifest = batch.entity, batch.manifest
    extracted_at = batch.extracted_at
    cursor = json.dumps(manifest.get("cursor")) if manifest.get("cursor") is not None else None
    con.execute(
        "insert into raw._batches values (?, ?, ?, ?, ?, ?, ?, ?::timestamptz, current_timestamp)",
        [
            entity.source,
            entity.name,
            batch.batch_id,
            loaded,
            quarantined,
            hwm,
            cursor,
            extracted_at,
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


def release_quarantine(con: duckdb.DuckDBPyConnection, batch: _Batch, quarantined: int) -> int:
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


def read_watermark(
    con: duckdb.DuckDBPyConnection, entity: Entity
) -> tuple[datetime | None, dict | None]:
    ensure_meta(con)
    row = con.execute(
        "select high_water_mark, cursor from raw._watermarks where source = ? and entity = ?",
        [entity.source, entity.name],
    ).fetchone()
    if not row:
        return None, None
    return row[0], (json.loads(row[1]) if row[1] else None)


def load_dataset_files(
    con: duckdb.DuckDBPyConnection, data_dir: Path, entities: tuple[Entity, ...]
) -> dict[str, int]:
    """Load a dataset's CSV files straight into raw tables, bypassing the protocols.

    For building and testing the warehouse models quickly: the tables have exactly the
    shape the extractors give them (same columns and types, `_batch_id` = 'dataset').
    Rows are loaded as the full version history, as a nightly replay would accumulate.
    """
    ensure_meta(con)
    counts: dict[str, int] = {}
    for entity in entities:
        path = data_dir / entity.path
        ensure_raw_table(con, entity)
        select = ", ".join(
            f'try_cast("{f.name}" as {SQL_TYPES[f.type]})' if f.type != "str" else f'"{f.name}"'
            for f in entity.fields
        )
        con.execute(
            f"""
            insert into {raw_table(entity)}
            select {select}, null, 'dataset', current_timestamp, {_sql_str(entity.source)}
            from read_csv({_sql_str(str(path))}, header = true, all_varchar = true)
            """
        )
        counts[entity.path] = con.execute(f"select count(*) from {raw_table(entity)}").fetchone()[0]
    return counts
