"""The installation's Dagster instance: Dagster's own SQLite storage, telemetry off, and
runs one instance writes are read back by another (the webserver of `make dev`)."""

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.storage import (
    TELEMETRY_OFF,
    WRITER_TAG,
    _pooled_config,
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
    runs = 3
    results = [dg.materialize([numbers, numbers_positive], instance=writer) for _ in range(runs)]
    assert all(result.success for result in results)
    # Dagster's local layout: a file per run and the index, under the instance's home.
    assert len(list((home / "history" / "runs").glob("*.db"))) == runs + 1

    # The webserver of `make dev` is another process with its own instance on the files.
    reader = dg.DagsterInstance.from_config(str(home))
    for result in results:
        written = [entry.dagster_event_type for entry in writer.all_logs(result.run_id)]
        read = [entry.dagster_event_type for entry in reader.all_logs(result.run_id)]
        assert read == written
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in read
        assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in read
    materialized = reader.fetch_materializations(numbers.key, limit=100).records
    assert [r.asset_materialization.metadata["rows"].value for r in materialized] == [3] * runs
    writer.dispose()


@pytest.mark.parametrize("earlier", ["missing", "telemetry only", "pooled storage"])
def test_missing_or_earlier_config_is_written(tmp_path: Path, earlier: str) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    existing = {"telemetry only": TELEMETRY_OFF, "pooled storage": _pooled_config(home)}
    if earlier in existing:
        (home / "dagster.yaml").write_text(existing[earlier])
    write_instance_config(home)
    assert (home / "dagster.yaml").read_text() == instance_config(home)
    instance = dg.DagsterInstance.from_config(str(home))
    assert not instance.telemetry_enabled
    # One warehouse writer at a time: the run queue holds a second run carrying the tag.
    limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert limits == [{"key": WRITER_TAG, "limit": 1}]


def test_make_devs_config_loads(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    # What `make dev` runs before `dagster dev`.
    subprocess.run([sys.executable, "-m", "orchestration.storage", str(home)], check=True)
    instance = dg.DagsterInstance.from_config(str(home))
    assert dg.materialize([numbers], instance=instance).success
    assert (home / "history" / "runs" / "index.db").exists()


def test_users_own_config_is_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    own = TELEMETRY_OFF + "run_monitoring:\n  enabled: true\n"
    (home / "dagster.yaml").write_text(own)
    write_instance_config(home)
    assert (home / "dagster.yaml").read_text() == own
