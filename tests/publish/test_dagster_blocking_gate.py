"""A failed blocking quality check stops the publish asset in a real Dagster run.

The publish asset also refuses a blocked gate by itself; this test asserts more than
that: the publish step never starts, so it fails if Dagster ever runs a downstream
asset after a failed blocking check.
"""

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from expectations.registry import SUITES
from orchestration.defs.as_of import AsOfResource
from orchestration.defs.ingest.resources import WarehouseResource
from orchestration.defs.publish.assets import PUBLISH_KEY, build_publish_asset
from orchestration.defs.quality.checks import build_quality_checks
from tests.quality.warehouse import DAY, plant

pytestmark = pytest.mark.slow  # runs the Dagster job through the gate

MART_KEYS = {mart: dg.AssetKey(["marts", mart]) for mart in SUITES}


def _run(home: Path, defects: tuple[str, ...]) -> dg.ExecuteInProcessResult:
    @dg.multi_asset(
        specs=[dg.AssetSpec(key) for key in MART_KEYS.values()],
        required_resource_keys={"warehouse"},
    )
    def marts(context: dg.AssetExecutionContext):  # type: ignore[no-untyped-def]
        with context.resources.warehouse.connect() as con:
            plant(con, defects)
        for key in MART_KEYS.values():
            yield dg.MaterializeResult(asset_key=key)

    paths = {
        "quality_dir": str(home / "quality"),
        "published_path": str(home / "published" / "perfchain.duckdb"),
        "logs_dir": str(home / "logs"),
    }
    return dg.materialize(
        [
            marts,
            *build_quality_checks(MART_KEYS, **paths),
            build_publish_asset(list(MART_KEYS.values()), **paths),
        ],
        resources={
            "warehouse": WarehouseResource(path=str(home / "warehouse.duckdb")),
            "as_of": AsOfResource(as_of_date=DAY.isoformat()),
        },
        raise_on_error=False,
    )


def _started_steps(result: dg.ExecuteInProcessResult) -> set[str]:
    return {event.step_key for event in result.all_events if event.is_step_start}


def test_failed_blocking_check_stops_publish(tmp_path: Path) -> None:
    result = _run(tmp_path, ("duplicated_order_row",))

    assert not result.success
    evaluations = {
        evaluation.asset_key.path[-1]: evaluation
        for evaluation in result.get_asset_check_evaluations()
    }
    assert not evaluations["fct_order_delivery"].passed
    assert evaluations["fct_order_delivery"].severity == dg.AssetCheckSeverity.ERROR
    assert evaluations["dim_date"].passed
    publish_step = "published__perfchain"
    assert publish_step not in _started_steps(result)
    assert PUBLISH_KEY not in {
        event.asset_key for event in result.get_asset_materialization_events()
    }
    assert not (tmp_path / "published" / "perfchain.duckdb").exists()
    summary = (tmp_path / "logs" / "quality-latest.txt").read_text(encoding="utf-8")
    assert "fct_order_delivery.key_unique" in summary and "order_id=" in summary


def test_passing_checks_publish(tmp_path: Path) -> None:
    result = _run(tmp_path, ())

    assert result.success
    assert "published__perfchain" in _started_steps(result)
    published = tmp_path / "published" / "perfchain.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        # The run's as-of date (the `as_of` resource) is what the published file is through.
        assert con.execute("select run_id, data_through from meta.publish_log").fetchall() == [
            (result.run_id, DAY)
        ]
