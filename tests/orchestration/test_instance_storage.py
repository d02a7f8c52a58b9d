"""The installation's Dagster instance: Dagster's SQLite layout, its event log through the
pooled storage, which keeps few files open and writes what another process reads."""

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.storage import (
    OPEN_SHARDS,
    TELEMETRY_OFF,
    PooledSqliteEventLogStorage,
    instance_config,
    write_instance_config,
)

pytestmark = pytest.mark.slow  # runs Dagster jobs in subprocesses


@dg.asset
def numbers(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    context.log.info("counting")
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=numbers)
def numbers_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def _instance(home: Path) -> dg.DagsterInstance:
    write_instance_config(home)
    return dg.DagsterInstance.from_config(str(home))


def test_runs_are_stored_and_read_back_by_another_instance(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    writer = _instance(home)
    assert isinstance(writer.event_log_storage, PooledSqliteEventLogStorage)
    runs = OPEN_SHARDS + 3
    results = [dg.materialize([numbers, numbers_positive], instance=writer) for _ in range(runs)]
    assert all(result.success for result in results)
    # A run file per run, but never more open at once than OPEN_SHARDS.
    assert len(list((home / "history" / "runs").glob("*.db"))) == runs + 1  # + index
    assert len(writer.event_log_storage._engines) <= OPEN_SHARDS

    # The webserver of `make dev` is another process with its own instance on the files.
    reader = dg.DagsterInstance.from_config(str(home))
    for result in results:
        written = [entry.dagster_event_type for entry in writer.all_logs(result.run_id)]
        read = [entry.dagster_event_type for entry in reader.all_logs(result.run_id)]
        assert read == written
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in read
        assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in read
    # The index database (cross-run asset queries) holds every materialization and check.
    materialized = reader.fetch_materializations(numbers.key, limit=100).records
    assert [r.asset_materialization.metadata["rows"].value for r in materialized] == [3] * runs
    check = reader.event_log_storage.get_asset_check_execution_history(
        numbers_positive.check_key, limit=100
    )
    assert len(check) == runs
    writer.dispose()
    assert writer.event_log_storage._engines == {}


@pytest.mark.parametrize("existing", [None, TELEMETRY_OFF])
def test_missing_or_earlier_config_is_written(tmp_path: Path, existing: str | None) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    if existing is not None:
        (home / "dagster.yaml").write_text(existing)
    write_instance_config(home)
    assert (home / "dagster.yaml").read_text() == instance_config(home)


def test_make_devs_config_loads_the_pooled_storage(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    # What `make dev` runs before `dagster dev`.
    subprocess.run([sys.executable, "-m", "orchestration.storage", str(home)], check=True)
    instance = dg.DagsterInstance.from_config(str(home))
    assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)


def test_users_own_config_is_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    own = TELEMETRY_OFF + "run_monitoring:\n  enabled: true\n"
    (home / "dagster.yaml").write_text(own)
    write_instance_config(home)
    assert (home / "dagster.yaml").read_text() == own


def test_commits_sync_at_checkpoints_and_present_tables_are_asked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = _instance(tmp_path / "dagster")
    storage = instance.event_log_storage
    with storage.index_connection() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    asked: list[str] = []
    dagsters = SqliteEventLogStorage.has_table

    def counted(self: SqliteEventLogStorage, table_name: str) -> bool:
        asked.append(table_name)
        return dagsters(self, table_name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", counted)
    for _ in range(3):
        assert dg.materialize([numbers, numbers_positive], instance=instance).success
    assert "asset_check_executions" in asked
    assert len(asked) == len(set(asked))
    # A missing table is asked again: a migration may create it while the process runs.
    assert not storage.has_table("no_such_table")
    assert not storage.has_table("no_such_table")
    assert asked.count("no_such_table") == 2
