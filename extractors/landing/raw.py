"""The raw schema the load writes: one table per entity of the source contract,
`raw.<source>__<entity>`, typed as the contract says and with `_extra`, `_batch_id`,
`_extracted_at`, `_source` after its fields; and the load's bookkeeping beside them:
`raw._batches` (every batch loaded, once), `raw._watermarks` (how far each entity has been
read) and `raw._quarantine` (extractors/landing/quarantine.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

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
alter table raw._batches add column if not exists window_until timestamptz;
create table if not exists raw._watermarks (
    source varchar, entity varchar, high_water_mark timestamptz, cursor json,
    batch_id varchar, updated_at timestamptz default current_timestamp,
    primary key (source, entity)
);
"""


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


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


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
            select {select}, null, 'dataset', current_timestamp, {sql_str(entity.source)}
            from read_csv({sql_str(str(path))}, header = true, all_varchar = true)
            """
        )
        counts[entity.path] = con.execute(f"select count(*) from {raw_table(entity)}").fetchone()[0]
    return counts
