"""Test helpers: clients pointed at the simulator, and expectations computed from the CSVs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from extractors._http.client import SourceClient
from extractors._http.session import RetryPolicy
from extractors.contract import Entity
from extractors.landing.raw import SQL_TYPES
from extractors.landing.run import EntityRun, end_of_day, extract_entity
from simulator.clients import demo_client

TZ = "Asia/Shanghai"
# Fast retries: the behaviour is the same, the waits are short.
FAST = RetryPolicy(max_attempts=4, backoff_initial=0.01, backoff_max=0.05, timeout=2.0)


def client_for(server, source: str, policy: RetryPolicy = FAST) -> SourceClient:  # type: ignore[no-untyped-def]
    """A client with the simulator's demo credentials and small pages (to force paging)."""
    options = {
        "page_size": 100 if source == "oa" else 500,
        "batch_size": 200,
        "rows_per_page": 200,
        "sample_count": 500,
    }
    return demo_client(source, server.url(source), policy=policy, plant_tz=TZ, options=options)


def extract(
    client: SourceClient,
    entity: Entity,
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    run_date: date,
    overlap: timedelta = timedelta(minutes=60),
) -> EntityRun:
    return extract_entity(
        client, entity, con, landing, run_date=run_date, plant_tz=TZ, overlap=overlap
    )


def _modstamp_sql(entity: Entity) -> str:
    f = entity.field(entity.modstamp)
    cast = f'cast("{f.name}" as {SQL_TYPES[f.type]})'
    return f"timezone('{TZ}', {cast})" if f.type == "ts_local" else cast


def changed_keys(
    data_dir: Path, entity: Entity, since: datetime | None, as_of: date
) -> set[tuple[str, ...]]:
    """Keys whose version current at the end of `as_of` was written after `since`.

    The plant day ends before midnight: a change at 00:00:00 belongs to the next day."""
    until = end_of_day(as_of, TZ)
    # Key columns spelled as the warehouse spells them (timestamps parsed, then printed).
    key = ", ".join(
        f'cast(cast("{k}" as {SQL_TYPES[entity.field(k).type]}) as varchar) as "{k}"'
        if entity.field(k).type != "str"
        else f'"{k}"'
        for k in entity.key
    )
    plain_key = ", ".join(f'"{k}"' for k in entity.key)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    rows = con.execute(
        f"""
        select {plain_key} from (
            select {key}, max({_modstamp_sql(entity)}) as last_change
            from read_csv(?, header = true, all_varchar = true)
            where {_modstamp_sql(entity)} < ?
            group by all
        ) where ? is null or last_change > ?
        """,
        [str(data_dir / entity.path), until, since, since],
    ).fetchall()
    return {tuple(str(value) for value in row) for row in rows}


def loaded_keys(
    con: duckdb.DuckDBPyConnection, entity: Entity, batch_id: str | None = None
) -> list[tuple[str, ...]]:
    key = ", ".join(f'cast("{k}" as varchar)' for k in entity.key)
    where = f"where _batch_id = '{batch_id}'" if batch_id else ""
    rows = con.execute(f"select {key} from raw.{entity.source}__{entity.name} {where}").fetchall()
    return [tuple(row) for row in rows]


def latest_versions(con: duckdb.DuckDBPyConnection, entity: Entity) -> int:
    """How many records staging sees: the latest version of each key, once."""
    key = ", ".join(f'"{k}"' for k in entity.key)
    return con.execute(
        f"select count(*) from (select distinct {key} from raw.{entity.source}__{entity.name})"
    ).fetchone()[0]


def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("set TimeZone = 'UTC'")
    return con
