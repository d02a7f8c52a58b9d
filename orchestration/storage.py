"""The Dagster instance of an installation: Dagster's local SQLite storage under
`$PERFCHAIN_HOME/dagster`, with an event log that keeps its database connections open.

Dagster's `SqliteEventLogStorage` creates a SQLAlchemy engine, opens a connection and
disposes of both for every event it stores (and for some events twice more, to mirror them
into the index database): it is written for several processes writing at once. A nightly
run stores a few thousand events (a materialization per dbt model, a check evaluation per
dbt test, ...); on a 2-core machine that churn cost ≈ 7 s of CPU per run, taken from dbt
and DuckDB working beside it. `PooledSqliteEventLogStorage` keeps one engine per database
file, for the few most recently used files only (a backfill of a year in one process must
not hold a year of run files open). The database files, their schema and WAL mode are
Dagster's own: the webserver of `make dev` reads them while a run writes, as before.

Two more costs of Dagster's storage are cut the same way. Every commit waited for an fsync
(SQLite's default `synchronous=FULL`): in WAL mode `NORMAL` syncs at checkpoints only and
the files stay consistent; a power cut may lose the last events of a run, which the run's
own outcome (the warehouse and the published file) does not depend on. And Dagster asks the
index database whether a table exists before storing many events, each time through a new
engine: a table once present stays present, so the answer is kept.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry

# Named, not __name__: `make dev` runs this file as __main__ to write the config.
MODULE = "orchestration.storage"
# Database files with an open engine: the index, the current run's file and a few more.
OPEN_SHARDS = 4
TELEMETRY_OFF = "telemetry:\n  enabled: false\n"


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        # Before Dagster's constructor, which may already connect (to create the index).
        self._engines: OrderedDict[str, db.engine.Engine] = OrderedDict()
        self._present_tables: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: Any, config_value: dict[str, Any]
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # The same lock as Dagster's: one thread at a time uses the storage's connections.
        with self._db_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = db.create_engine(
                    self.conn_string_for_shard(shard),
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                    pool_size=1,
                )
                db.event.listen(engine, "connect", _sync_at_checkpoints)
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            while len(self._engines) > OPEN_SHARDS:
                _, oldest = self._engines.popitem(last=False)
                oldest.dispose()
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        if table_name not in self._present_tables and super().has_table(table_name):
            self._present_tables.add(table_name)
        return table_name in self._present_tables

    def dispose(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


def _sync_at_checkpoints(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def instance_config(home: Path) -> str:
    """dagster.yaml for a Dagster home: no usage telemetry (nothing leaves the machine) and
    Dagster's default local storage layout, its event log through the pooled storage."""
    return (
        TELEMETRY_OFF
        + "event_log_storage:\n"
        + f"  module: {MODULE}\n"
        + f"  class: {PooledSqliteEventLogStorage.__name__}\n"
        + "  config:\n"
        + f"    base_dir: {json.dumps(str(home.resolve() / 'history' / 'runs'))}\n"
    )


def write_instance_config(home: Path) -> Path:
    """Writes `home/dagster.yaml` unless the file is the user's own: a missing file, or one
    perfchain wrote before (ours earlier held the telemetry setting only), is (re)written."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    ours = {TELEMETRY_OFF, instance_config(home)}
    if not config.exists() or config.read_text(encoding="utf-8") in ours:
        config.write_text(instance_config(home), encoding="utf-8")
    return config


if __name__ == "__main__":  # `make dev`: python -m orchestration.storage <DAGSTER_HOME>
    import sys

    write_instance_config(Path(sys.argv[1]))
