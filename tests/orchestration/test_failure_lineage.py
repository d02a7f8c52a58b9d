"""A dbt data test that stops the build names where each failing row came from, and the
quality summary says the run was BLOCKED by it.

A duplicated row of the targets workbook is landed by the Excel extractor; a new version
of an MES production record with a negative count, and one of a proof of delivery signed
after the run's day, are planted in raw. The dbt asset's build fails, its message (the one
`perfchain run` prints) names the workbook's file, sheet, rows and columns, or the
source, entity, record key and raw batch, and `quality-latest.txt` no longer shows the
previous run's PASSED but this run's BLOCKED with the failed test and its rows."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from extractors.excel import ExcelDropClient
from extractors.excel.schema import KPI_TARGETS
from orchestration.defs.as_of import AsOfResource
from orchestration.defs.ingest.resources import build_warehouse
from orchestration.defs.warehouse.assets import build_dbt_assets, build_dbt_resource
from orchestration.defs.warehouse.project import write_profile
from perfchain.core.settings import Settings, load_settings
from perfchain.pipeline import _failure
from tests.extractors.support import extract
from tests.warehouse.conftest import Warehouse

DAY = date(2026, 2, 14)  # the demo factory's last day (tests/conftest.py)
KPI_TARGETS_MODEL = dg.AssetKey(["staging", "stg_excel__kpi_targets"])
PRODUCTION_COUNTS = dg.AssetKey(["staging", "stg_mes__production_counts"])
PROOFS_OF_DELIVERY = dg.AssetKey(["staging", "stg_wms__proofs_of_delivery"])
HORIZON = dg.AssetKey(["intermediate", "int_data_horizons_resolved"])
PREVIOUS = "Quality gate PASSED for data through 2026-02-13 (run earlier): 90/90 checks passed."


@pytest.fixture
def settings(warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    settings = load_settings()
    shutil.copy(warehouse.path, settings.warehouse_path)
    # The previous run passed: its summary must not survive this run.
    settings.logs_dir.mkdir(parents=True)
    (settings.logs_dir / "quality-latest.txt").write_text(PREVIOUS, encoding="utf-8")
    return settings


def _build(settings: Settings, model: dg.AssetKey) -> dg.ExecuteInProcessResult:
    return _build_many(settings, [model])


def _build_many(settings: Settings, models: list[dg.AssetKey]) -> dg.ExecuteInProcessResult:
    assets = build_dbt_assets(
        settings.plant.code,
        settings.plant.timezone,
        settings.home / "dbt" / "runs",
        settings.logs_dir,
        history_start=settings.schedule.history_start,
    )
    return dg.materialize(
        [assets],
        selection=models,
        resources={
            "dbt": build_dbt_resource(str(write_profile(settings))),
            "warehouse": build_warehouse(settings),
            "as_of": AsOfResource(as_of_date=DAY.isoformat()),
        },
        raise_on_error=False,
    )


def _latest_summary(settings: Settings) -> list[str]:
    return (settings.logs_dir / "quality-latest.txt").read_text(encoding="utf-8").splitlines()


def test_a_duplicated_workbook_row_is_named_by_file_sheet_and_rows(
    settings: Settings, warehouse: Warehouse, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(warehouse.data_dir / "excel", drop)
    workbook = openpyxl.load_workbook(drop / "targets.xlsx")
    sheet = workbook["kpi_targets"]
    header = [cell.value for cell in sheet[1]]
    # Row 5 again below the last row: the same KPI, scope and valid_from, another target.
    copied = [cell.value for cell in sheet[5]]
    copied[header.index("target")] = 0.5
    duplicate_row = sheet.max_row + 1
    sheet.append(copied)
    workbook.save(drop / "targets.xlsx")
    with duckdb.connect(str(settings.warehouse_path)) as con:
        run = extract(ExcelDropClient(drop), KPI_TARGETS, con, tmp_path / "landing", DAY)
    assert run.rows_quarantined == 0

    result = _build(settings, KPI_TARGETS_MODEL)

    assert not result.success
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        keys = con.execute(
            "select _source_row, kpi_target_id from staging.stg_excel__kpi_targets "
            "where _source_row in (5, ?)",
            [duplicate_row],
        ).fetchall()
    (key,) = {key for _, key in keys}
    assert len(keys) == 2
    message = _failure(result, settings.logs_dir / "run.log").split(". Run log: ")[0]
    assert message.startswith("warehouse_models: ")
    test = "dbt test staging_rules_excel: 2 failing row(s)"
    assert test in message
    where = "targets.xlsx, sheet 'kpi_targets', row {row}, column(s) kpi_code, scope_type, "
    where += "scope_code, valid_from: broken_rule=unique:kpi_target_id, "
    where += "model_name=stg_excel__kpi_targets, failing_record=kpi_target_id={key}"
    rows = [line.strip() for line in message.splitlines() if "targets.xlsx" in line]
    assert sorted(rows) == sorted(where.format(row=row, key=key) for row in (5, duplicate_row)), (
        message
    )
    # The run's quality summary says BLOCKED, by which test, with the rows.
    summary = _latest_summary(settings)
    assert summary[0].startswith(
        f"Quality gate BLOCKED for data through {DAY} (run {result.run_id}): 1 dbt data "
        "test(s) failed in the warehouse build"
    )
    assert f"- {test} (Got 2 results, configured to fail if != 0)" in summary
    assert sorted(line for line in summary if line.startswith("    row: ")) == sorted(
        f"    row: {where.format(row=row, key=key)}" for row in (5, duplicate_row)
    )
    assert (settings.logs_dir / f"quality-{result.run_id}.txt").read_text(
        encoding="utf-8"
    ).splitlines() == summary


def test_a_negative_mes_count_is_named_by_source_entity_key_and_batch(
    settings: Settings,
) -> None:
    with duckdb.connect(str(settings.warehouse_path)) as con:
        record_id, produced = con.execute(
            "select record_id, produced_qty from raw.mes__production_counts "
            "order by record_id, updated_at desc limit 1"
        ).fetchone()
        assert produced > 0
        # A new version from a batch of its own: the produced count turned negative.
        con.execute(
            "insert into raw.mes__production_counts "
            "select * replace (-5 as produced_qty, 0 as good_qty, "
            "updated_at + interval 1 hour as updated_at, 'planted-batch' as _batch_id) "
            "from raw.mes__production_counts where record_id = ? "
            "order by updated_at desc limit 1",
            [record_id],
        )

    result = _build(settings, PRODUCTION_COUNTS)

    assert not result.success
    message = _failure(result, settings.logs_dir / "run.log").split(". Run log: ")[0]
    # A negative produced count breaks two rules (good <= produced too): one row each, in
    # the MES staging models' rules (tests/generic/group_rules.sql). That test holds back
    # only what is downstream of every MES staging model, so the team hours are built from
    # the bad count too and their own check fails beside it; the run fails either way.
    assert "dbt test staging_rules_mes: 2 failing row(s)" in message
    lines = sorted(line.strip() for line in message.splitlines() if "planted-batch" in line)
    where = f"source mes, entity production_counts, key {record_id}, batch planted-batch"
    assert [line.split(", model_name=")[0] for line in lines] == [
        f"{where}: broken_rule=good_qty_between_0_and_produced",
        f"{where}: broken_rule=produced_qty_not_negative",
    ]
    assert all("model_name=stg_mes__production_counts" in line for line in lines)
    assert all(line.endswith("produced_qty=-5, good_qty=0") for line in lines)
    summary = _latest_summary(settings)
    assert summary[0].startswith("Quality gate BLOCKED for data through")
    assert sorted(line[len("    row: ") :] for line in summary if "planted-batch" in line) == lines
    assert PREVIOUS not in summary


def test_a_pod_signed_after_the_as_of_day_is_named_by_source_entity_key_and_batch(
    settings: Settings,
) -> None:
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("set TimeZone = 'UTC'")
        pod_id, signed_at = con.execute(
            "select pod_id, signed_at from raw.wms__proofs_of_delivery "
            "order by signed_at desc, updated_at desc limit 1"
        ).fetchone()
        # The newest signature, again three days later, in a landing of its own.
        con.execute(
            "insert into raw.wms__proofs_of_delivery "
            "select * replace (signed_at + interval 3 day as signed_at, "
            "updated_at + interval 1 hour as updated_at, 'planted-pod' as _batch_id) "
            "from raw.wms__proofs_of_delivery where pod_id = ? "
            "order by updated_at desc limit 1",
            [pod_id],
        )

    result = _build_many(settings, [PROOFS_OF_DELIVERY, HORIZON])

    assert not result.success
    message = _failure(result, settings.logs_dir / "run.log").split(". Run log: ")[0]
    assert "dbt test assert_no_event_after_the_as_of_day: 1 failing row(s)" in message
    (line,) = [line.strip() for line in message.splitlines() if "planted-pod" in line]
    # The as-of day (the run's as-of date, plant time UTC+8) ends at 16:00 UTC.
    assert line == (
        f"source wms, entity proofs_of_delivery, key {pod_id}, batch planted-pod: "
        f"event=signed_at, event_at={(signed_at + timedelta(days=3)).astimezone(UTC)}, "
        f"as_of_end_at={datetime(2026, 2, 14, 16, tzinfo=UTC)}"
    )
    summary = _latest_summary(settings)
    assert summary[0].startswith(f"Quality gate BLOCKED for data through {DAY}")
    assert f"    row: {line}" in summary
