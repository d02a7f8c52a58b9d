"""The dbt asset in a real Dagster run: the partition's date becomes the KPIs' as-of date,
the nightly build runs the data tests and leaves dbt unit tests to `make test`, and the next
night's build starts from the installation's partial parse, re-parsing only what changed.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.ingest.resources import build_warehouse
from orchestration.defs.ingest.schedules import build_partitions
from orchestration.defs.warehouse.assets import (
    KEEP_RUNS,
    PARTIAL_PARSE,
    _run_target,
    build_dbt_assets,
    build_dbt_resource,
)
from orchestration.defs.warehouse.project import write_profile
from perfchain.core.settings import Settings, load_settings
from tests.warehouse.conftest import Warehouse

pytestmark = pytest.mark.slow  # runs the dbt asset

# The demo factory of the tests runs through 2026-02-14 (tests/conftest.py).
FIRST, SECOND = date(2026, 2, 14), date(2026, 2, 15)
HORIZON = dg.AssetKey(["intermediate", "int_data_horizons_resolved"])


@pytest.fixture
def settings(warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("PERFCHAIN_HOME", str(home))
    settings = load_settings()
    shutil.copy(warehouse.path, settings.warehouse_path)
    return settings


def _build(settings: Settings, day: date, selection: list[dg.AssetKey] | None = None) -> Path:
    models = build_dbt_assets(
        build_partitions(settings),
        settings.plant.code,
        settings.plant.timezone,
        settings.home / "dbt" / "runs",
    )
    result = dg.materialize(
        [models],
        partition_key=day.isoformat(),
        selection=selection,
        resources={
            "dbt": build_dbt_resource(str(write_profile(settings))),
            "warehouse": build_warehouse(settings),
        },
        raise_on_error=False,
    )
    assert result.success
    [target] = [p for p in (settings.home / "dbt" / "runs").iterdir() if day.isoformat() in p.name]
    return target


def _as_of(settings: Settings) -> date:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            "select as_of_date from intermediate.int_data_horizons_resolved"
        ).fetchone()[0]


def test_nightly_build_pins_the_date_runs_data_tests_only_and_keeps_the_parse(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    first = _build(settings, FIRST)
    assert _as_of(settings) == FIRST
    results = json.loads((first / "run_results.json").read_text())["results"]
    ran = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "test", "seed", "snapshot"} <= ran
    assert "unit_test" not in ran
    manifest = json.loads((first / "manifest.json").read_text())
    assert len(manifest["unit_tests"]) >= 27  # there were unit tests to leave out
    assert (settings.home / "dbt" / PARTIAL_PARSE).exists()
    # dbt's file log keeps warnings and errors only, unless asked for more.
    levels = {json.loads(line)["info"]["level"] for line in (first / "dbt.log").open()}
    assert levels <= {"warn", "error"}

    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    second = _build(settings, SECOND, [HORIZON])
    assert _as_of(settings) == SECOND
    log = (second / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log
    # Only the model that reads the as-of date was parsed again.
    changed = [
        json.loads(line)["data"]
        for line in log.splitlines()
        if '"code": "I041"' in line or '"code":"I041"' in line
    ]
    assert [c["file_id"] for c in changed] == [
        "perfchain://models/intermediate/config/int_data_horizons_resolved.sql"
    ]


def test_run_folders_are_seeded_with_the_last_parse_and_pruned(tmp_path: Path) -> None:
    runs = tmp_path / "dbt" / "runs"
    runs.mkdir(parents=True)
    (tmp_path / "dbt" / PARTIAL_PARSE).write_bytes(b"parsed")
    for night in range(KEEP_RUNS + 3):
        folder = runs / f"night-{night:02d}"
        folder.mkdir()
        mtime = 1_700_000_000 + night * 86_400
        os.utime(folder, (mtime, mtime))
    target = _run_target(runs, "tonight")
    assert (target / PARTIAL_PARSE).read_bytes() == b"parsed"
    kept = sorted(p.name for p in runs.iterdir())
    assert len(kept) == KEEP_RUNS
    assert "tonight" in kept and "night-00" not in kept and f"night-{KEEP_RUNS + 2}" in kept
