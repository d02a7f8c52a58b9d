"""The nightly job materializes one day's extract assets against the simulator."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import openpyxl
import pytest

from perfchain.demo import point_at_simulator, use_demo_credentials
from perfchain.pipeline import RunFailed, print_summary, run_pipeline
from perfchain.settings import ExtractSettings, load_settings

pytestmark = pytest.mark.slow  # runs the nightly job

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


def _drop_without(demo_data, tmp_path, sheet: str):  # type: ignore[no-untyped-def]
    drop = tmp_path / "drop"
    shutil.copytree(demo_data / "excel", drop)
    path = drop / "生产部月度汇总.xlsx"
    workbook = openpyxl.load_workbook(path)
    del workbook[sheet]
    workbook.save(path)
    return drop


def test_a_closed_months_missing_sheet_fails_the_excel_source(
    settings, demo_data, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    drop = _drop_without(demo_data, tmp_path, "2026年1月")
    settings = settings.model_copy(
        update={"paths": settings.paths.model_copy(update={"excel_drop": drop})}
    )
    with pytest.raises(RunFailed) as caught:
        run_pipeline(
            settings, [date(2026, 2, 14)], sources=["excel"], show_progress=False, extract_only=True
        )
    message = str(caught.value)
    assert "raw__excel__department_rows" in message.split(":")[1]
    assert (
        "生产部月度汇总.xlsx, sheet '2026年1月': month sheet is missing (sheets found: '2026年2月')"
        in message
    )


def test_the_open_months_missing_sheet_is_a_warning_in_the_run_summary(
    settings, demo_data, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    drop = _drop_without(demo_data, tmp_path, "2026年2月")
    settings = settings.model_copy(
        update={"paths": settings.paths.model_copy(update={"excel_drop": drop})}
    )
    summary = run_pipeline(
        settings, [date(2026, 2, 14)], sources=["excel"], show_progress=False, extract_only=True
    )
    warning = (
        "生产部月度汇总.xlsx, sheet '2026年2月': the still-open month's sheet is missing "
        "(sheets found: '2026年1月')"
    )
    assert summary.materializations["raw/excel/department_rows"]["warnings"] == warning
    assert "warnings" not in summary.materializations["raw/excel/kpi_targets"]

    print_summary(summary, settings)
    shown = capsys.readouterr().out.splitlines()
    assert f"  warning: raw/excel/department_rows: {warning}" in shown
