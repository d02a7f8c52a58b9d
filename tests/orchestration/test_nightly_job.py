"""The nightly job materializes one day's extract assets against the simulator."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import openpyxl
import pytest

from perfchain.core.settings import ExtractSettings, load_settings
from perfchain.demo import point_at_simulator, use_demo_credentials
from perfchain.pipeline import RunFailed, print_summary, run_pipeline

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
    assert summary.dbt_on_standby == [False]  # nothing to build: no dbt process started
    assert {"raw/wms/shipments", "raw/wms/proofs_of_delivery", "raw/hr/employees"} <= keys
    assert not any(key.startswith("raw/crm/") for key in keys)
    meta = summary.materializations["raw/hr/employees"]
    assert meta["rows_loaded"] > 700 and meta["rows_quarantined"] == 0
    assert meta["high_water_mark"].startswith("2026-01")
    # The run's as-of date (its run config) ends the window: the end of the plant day.
    assert meta["window_until"] == "2026-01-21T00:00:00+08:00"
    assert meta["batch_id"].startswith("2026-01-20_")
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


def test_a_run_failing_before_the_gate_replaces_the_last_quality_verdict(
    settings, simulator
) -> None:  # type: ignore[no-untyped-def]
    """The previous run passed; this one fails at extraction, so dbt and the gate never run:
    quality-latest.txt must not go on saying PASSED."""
    settings.logs_dir.mkdir(parents=True)
    latest = settings.logs_dir / "quality-latest.txt"
    latest.write_text("Quality gate PASSED for data through 2026-01-19 (run earlier)\n")
    simulator.faults.add("hr:server_error@1x*")
    with pytest.raises(RunFailed) as caught:
        run_pipeline(settings, [DAY], sources=["hr"], show_progress=False)
    lines = latest.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith(f"Quality gate NOT RUN for data through {DAY} (run ")
    assert lines[0].endswith("): the run failed before the gate.")
    assert lines[1] == "Nothing was published; the last good published file is unchanged."
    # The failure as the terminal shows it: its step and its reason.
    (failure,) = [line for line in lines if line.startswith("Failure: ")]
    assert failure.removeprefix("Failure: ") == str(caught.value).split(": ", 1)[1]
    assert "raw__hr__" in failure and "gave up after" in failure
    assert "PASSED" not in latest.read_text(encoding="utf-8")


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


def test_the_run_summary_lists_the_open_quarantine_until_a_clean_night_releases_it(
    settings, simulator, capsys
) -> None:  # type: ignore[no-untyped-def]
    simulator.faults.add("wms:invalid_field@1")
    summary = run_pipeline(settings, [DAY], sources=["wms"], show_progress=False, extract_only=True)
    print_summary(summary, settings)
    shown = capsys.readouterr().out.splitlines()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        ((entity, key, reason),) = con.execute(
            "select entity, record_key, reason from raw._quarantine where released_at is null"
        ).fetchall()
    assert key is not None
    assert [line for line in shown if "open quarantine" in line] == [
        f"  open quarantine: wms.{entity} {key}: 0 day(s) old, {reason}"
    ]

    simulator.faults.clear()
    simulator.set_as_of(date(2026, 1, 21))
    summary = run_pipeline(
        settings, [date(2026, 1, 21)], sources=["wms"], show_progress=False, extract_only=True
    )
    print_summary(summary, settings)
    assert "open quarantine" not in capsys.readouterr().out
    assert summary.materializations[f"raw/wms/{entity}"]["quarantine_retried"] == 1
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        released = con.execute("select released_by_batch from raw._quarantine").fetchall()
    assert released == [(summary.materializations[f"raw/wms/{entity}"]["batch_id"],)]
