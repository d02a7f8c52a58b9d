"""The dbt profile perfchain writes: DuckDB's limits set once when dbt opens the warehouse,
and every cursor dbt opens (one per node) sees them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml
from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.adapters.duckdb.environments import create

from orchestration.defs.warehouse.project import duckdb_threads, write_profile
from perfchain.core.settings import load_settings


def test_duckdb_limits_are_set_once_and_reach_every_dbt_cursor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path))
    settings = load_settings()
    profiles = yaml.safe_load((write_profile(settings) / "profiles.yml").read_text())
    output = profiles["perfchain"]["outputs"]["prod"]
    # dbt-duckdb runs each `settings` entry on every new cursor: only the per-session one.
    assert set(output["settings"]) == {"TimeZone"}

    # Opened as dbt-duckdb opens it, the database and two cursors of it (two nodes).
    connection = {k: v for k, v in output.items() if k not in ("type", "threads")}
    environment = create(DuckDBCredentials.from_dict({**connection, "schema": "main"}))
    handles = [environment.handle() for _ in range(2)]
    expected_memory = (
        duckdb.connect(config={"memory_limit": settings.warehouse.memory_limit})
        .execute("select current_setting('memory_limit')")
        .fetchone()[0]
    )
    for handle in handles:
        seen = handle.cursor().execute(
            "select current_setting('memory_limit'), current_setting('preserve_insertion_order'),"
            " current_setting('temp_directory'), current_setting('TimeZone'),"
            " current_setting('threads')"
        )
        assert seen.fetchone() == (
            expected_memory,
            False,
            str(settings.home / "duckdb_tmp"),
            "UTC",
            duckdb_threads(settings.warehouse.threads),
        )
    for handle in handles:
        handle.close()


def test_duckdb_threads_share_the_cores_among_dbt_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(8)), raising=False)
    assert [duckdb_threads(n) for n in (1, 2, 3, 4, 8, 16)] == [8, 4, 2, 2, 1, 1]
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert duckdb_threads(2) == 1  # this machine's case: one DuckDB thread per dbt thread
