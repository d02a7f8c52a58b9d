"""After a build of the demo's last day (2026-02-14), re-running 2026-02-13 on that
warehouse is refused up front (SPEC §7: a re-run must give the date's marts, which this
warehouse can no longer give), naming the reason and what to run instead; re-running
2026-02-14 with `--full-refresh` rebuilds the incremental models from raw."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from perfchain.core.errors import PerfchainError
from perfchain.core.settings import load_settings
from perfchain.demo import point_at_simulator, use_demo_credentials
from perfchain.pipeline import dagster_instance, refuse_earlier_date, run_pipeline
from tests.warehouse.conftest import Warehouse

LAST = date(2026, 2, 14)  # the demo factory's last day (tests/conftest.py)


def test_rerunning_the_day_before_the_last_build_is_refused(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    settings = load_settings()
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copy(warehouse.path, settings.warehouse_path)
    with warehouse.connect() as con:
        last = con.execute("select as_of_date from intermediate.int_data_horizons_resolved")
        assert last.fetchone()[0] == date(2026, 2, 14)

    refuse_earlier_date(settings, date(2026, 2, 14))
    with pytest.raises(PerfchainError) as raised:
        refuse_earlier_date(settings, date(2026, 2, 13))
    message = str(raised.value)
    assert message.startswith("cannot run 2026-02-13: the warehouse already holds data through")
    assert "perfchain run --date 2026-02-14" in message


def test_perfchain_run_full_refresh_launches_the_full_refresh_job(
    warehouse: Warehouse,
    simulator,  # type: ignore[no-untyped-def]
    demo_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`perfchain run --full-refresh --date 2026-02-14` on the demo warehouse, a row of an
    incremental model deleted first: the run is `full_refresh_job` as of that date, and the
    row is back (a night's build takes in only unseen raw batches and would leave it out:
    tests/orchestration/test_dbt_asset.py)."""
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    # Set by the run for its Dagster instance: put back after the test.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    use_demo_credentials()
    base = load_settings()
    settings = point_at_simulator(
        base, {name: simulator.url(name) for name in base.sources}, demo_data / "excel"
    )
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copy(warehouse.path, settings.warehouse_path)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        (lost,) = con.execute(
            "select min(inspection_id) from staging.stg_qms__inspections"
        ).fetchone()
        con.execute("delete from staging.stg_qms__inspections where inspection_id = ?", [lost])

    summary = run_pipeline(settings, [LAST], sources=["hr"], show_progress=False, full_refresh=True)

    assert summary.dates == [LAST]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        back = con.execute(
            "select count(*) from staging.stg_qms__inspections where inspection_id = ?", [lost]
        ).fetchone()
        assert back == (1,)
    (run,) = dagster_instance(settings).get_runs()
    assert run.job_name == "full_refresh_job"
    assert run.run_config["resources"] == {"as_of": {"config": {"as_of_date": "2026-02-14"}}}
    assert run.tags["perfchain/as_of_date"] == "2026-02-14"
