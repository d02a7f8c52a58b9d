"""The nightly job materializes one day's extract assets against the simulator."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from perfchain.demo import point_at_simulator, use_demo_credentials
from perfchain.pipeline import RunFailed, run_pipeline
from perfchain.settings import ExtractSettings, load_settings

DAY = date(2026, 1, 20)


@pytest.fixture
def settings(simulator, demo_data, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    use_demo_credentials()
    simulator.set_as_of(DAY)
    base = load_settings()
    # Quick retries: a persistent failure should fail the test run in a second, not a minute.
    base.extract = ExtractSettings(max_attempts=2, backoff_max_seconds=0.1, timeout_seconds=5)
    return point_at_simulator(
        base, {name: simulator.url(name) for name in base.sources}, demo_data / "excel"
    )


def test_one_day_of_extract_assets_materializes_with_metadata(settings) -> None:  # type: ignore[no-untyped-def]
    summary = run_pipeline(
        settings, [DAY], sources=["wms", "hr"], show_progress=False, extract_only=True
    )
    keys = set(summary.materializations)
    assert {"raw/wms/shipments", "raw/wms/proofs_of_delivery", "raw/hr/employees"} <= keys
    assert not any(key.startswith("raw/crm/") for key in keys)
    meta = summary.materializations["raw/hr/employees"]
    assert meta["rows_loaded"] > 700 and meta["rows_quarantined"] == 0
    assert meta["high_water_mark"].startswith("2026-01")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        loaded = con.execute("select count(*) from raw.hr__employees").fetchone()[0]
        assert loaded == meta["rows_loaded"]
        runs = con.execute("select count(*) from raw._batches where source = 'wms'").fetchone()[0]
        assert runs == 3


def test_a_failing_source_fails_the_run_with_its_reason(settings, simulator) -> None:  # type: ignore[no-untyped-def]
    simulator.faults.add("hr:server_error@1x*")
    with pytest.raises(RunFailed) as caught:
        run_pipeline(settings, [DAY], sources=["hr"], show_progress=False, extract_only=True)
    assert "hr." in str(caught.value) and "gave up after" in str(caught.value)
