"""The dbt asset in real launches of the definitions' jobs: the as-of date of a launch's
run config becomes the KPIs' as-of date, an earlier date than the warehouse's last build is
refused before dbt starts, `full_refresh_job` rebuilds the incremental models from raw, the
nightly build runs the data tests and leaves dbt unit tests to `make test`, the next night's
build starts from the installation's partial parse, re-parsing only what changed, and
leaves out the views that did not change since the last whole build.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from extractors.credentials import SECRET_KEYS, env_name
from orchestration.definitions import build_definitions
from orchestration.defs.as_of import as_of_run_config
from orchestration.defs.warehouse.assets import KEEP_RUNS, PARTIAL_PARSE, _run_target
from orchestration.defs.warehouse.project import write_profile
from perfchain.core.errors import PerfchainError
from perfchain.core.settings import Settings, load_settings
from perfchain.pipeline import _failure, refuse_earlier_date
from tests.warehouse.conftest import Warehouse

pytestmark = pytest.mark.slow  # runs the dbt asset

# The demo factory of the tests runs through 2026-02-14 (tests/conftest.py).
FIRST, SECOND, THIRD = date(2026, 2, 14), date(2026, 2, 15), date(2026, 2, 16)
HORIZON = dg.AssetKey(["intermediate", "int_data_horizons_resolved"])
INSPECTIONS = dg.AssetKey(["staging", "stg_qms__inspections"])  # an incremental model


@pytest.fixture
def settings(warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("PERFCHAIN_HOME", str(home))
    for source, keys in SECRET_KEYS.items():  # the extract assets' resources, not used here
        for key in keys:
            monkeypatch.setenv(env_name(source, key), "placeholder")
    settings = load_settings()
    shutil.copy(warehouse.path, settings.warehouse_path)
    write_profile(settings)
    return settings


def _launch(
    settings: Settings, job: str, day: date, selection: list[dg.AssetKey] | None = None
) -> dg.ExecuteInProcessResult:
    """A launch of `job` of the definitions as of `day`, as the launchpad, the schedule and
    `perfchain run` make one (the dbt assets only: `selection`, or all of them)."""
    defs = build_definitions(settings)
    models = [
        key
        for key in defs.resolve_asset_graph().executable_asset_keys
        if key.path[0] not in ("raw", "published", "reports")
    ]
    return defs.resolve_job_def(job).execute_in_process(
        run_config=as_of_run_config(day),
        asset_selection=selection or models,
        raise_on_error=False,
    )


def _build(settings: Settings, day: date, selection: list[dg.AssetKey] | None = None) -> Path:
    result = _launch(settings, "nightly_job", day, selection)
    assert result.success, _failure(result, Path("run.log"))
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
    assert {"model", "test", "seed"} <= ran  # no snapshots: history models (issue 24)
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
    # Nothing was parsed again: the new date reached dbt as a row of the warehouse, not as
    # a var or an environment variable, which make dbt re-parse what reads them.
    changed = [
        json.loads(line)["data"]
        for line in log.splitlines()
        if '"code": "I041"' in line or '"code":"I041"' in line
    ]
    assert changed == []
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("select as_of_date from raw._build_as_of").fetchall() == [(SECOND,)]

    # A whole build after the first whole one leaves out the views that have not changed
    # since (dbt's state:unmodified against the kept manifest), and still runs every data
    # test, those of the views too.
    third = _build(settings, THIRD)
    nodes = json.loads((third / "manifest.json").read_text())["nodes"]
    views = {
        unique_id
        for unique_id, node in nodes.items()
        if node["resource_type"] == "model"
        and node["config"]["materialized"] == "view"
        # The views among the marts are built every night (the publish waits for each).
        and node["fqn"][1] != "marts"
    }
    ran = {r["unique_id"] for r in json.loads((third / "run_results.json").read_text())["results"]}
    assert views and not views & ran
    seeds = {unique_id for unique_id in nodes if unique_id.startswith("seed.")}
    assert seeds and not seeds & ran
    assert {unique_id for unique_id in nodes if unique_id.startswith("test.")} <= ran
    assert (settings.home / "dbt" / "state" / "manifest.json").exists()


def test_an_earlier_as_of_date_is_refused_before_dbt_starts(settings: Settings) -> None:
    """The demo warehouse was last built as of 2026-02-14: a launch as of 02-13 (from the
    UI or the schedule, which do not pass through `perfchain run`) fails with the message
    `perfchain run` gives, and dbt never starts: no run folder, the marts as they were."""
    before = FIRST - timedelta(days=1)
    result = _launch(settings, "nightly_job", before, [HORIZON])
    assert not result.success
    with pytest.raises(PerfchainError) as refused:
        refuse_earlier_date(settings, before)
    shown = _failure(result, Path("run.log")).removesuffix(". Run log: run.log")
    assert shown == f"warehouse_models: {refused.value}"
    assert shown.startswith(
        "warehouse_models: cannot run 2026-02-13: the warehouse already holds data through "
    )
    assert "to build them again run: perfchain run --date 2026-02-14" in shown
    assert not (settings.home / "dbt" / "runs").exists()
    assert _as_of(settings) == FIRST


def test_the_full_refresh_job_rebuilds_an_incremental_model_from_raw(
    settings: Settings,
) -> None:
    """A row deleted from an incremental model's table does not come back at a night's
    build (it takes in only the raw batches it has not seen), and comes back when
    `full_refresh_job` rebuilds the model from raw."""

    def rows() -> tuple[int, int]:
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            count, has_lost = con.execute(
                "select count(*), count(*) filter (where inspection_id = ?) "
                "from staging.stg_qms__inspections",
                [lost],
            ).fetchone()
        return count, has_lost

    with duckdb.connect(str(settings.warehouse_path)) as con:
        (lost,) = con.execute(
            "select min(inspection_id) from staging.stg_qms__inspections"
        ).fetchone()
        (total,) = con.execute("select count(*) from staging.stg_qms__inspections").fetchone()
        (raw_records,) = con.execute(
            "select count(distinct inspection_id) from raw.qms__inspections"
        ).fetchone()
        con.execute("delete from staging.stg_qms__inspections where inspection_id = ?", [lost])
    assert total == raw_records > 1000  # one row per record extracted

    assert _launch(settings, "nightly_job", FIRST, [INSPECTIONS]).success
    assert rows() == (total - 1, 0)

    refresh = _launch(settings, "full_refresh_job", FIRST, [INSPECTIONS])
    assert refresh.success, _failure(refresh, Path("run.log"))
    assert rows() == (total, 1)


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
