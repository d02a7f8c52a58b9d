"""The Dagster definitions load with placeholder secrets, hold what must exist, and
loading them writes nothing: `perfchain prepare` parses dbt and writes the profile."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest

from expectations.registry import SUITES
from extractors.contract import ENTITIES
from extractors.credentials import SECRET_KEYS, env_name
from orchestration.defs.warehouse import project
from orchestration.defs.warehouse.project import MANIFEST, prepare
from perfchain.core.errors import PerfchainError
from perfchain.core.settings import load_settings

pytestmark = pytest.mark.slow  # loads the Dagster definitions (dbt manifest included)


@pytest.fixture
def placeholder_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for source, keys in SECRET_KEYS.items():
        for key in keys:
            monkeypatch.setenv(env_name(source, key), "placeholder")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _files(home: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in [home, MANIFEST, *home.rglob("*")] if p.exists()}


def test_loading_writes_nothing_and_asks_for_prepare_first(
    placeholder_env: None, home: Path
) -> None:
    from orchestration import definitions

    # Importing builds nothing; Dagster's tools call `defs` when they load the module.
    assert not isinstance(definitions.defs, dg.Definitions)
    with pytest.raises(PerfchainError, match="perfchain prepare"):
        definitions.defs()
    assert not home.exists()  # no profile written on the way to the error

    profiles = prepare(load_settings())
    assert (profiles / "profiles.yml").exists() and MANIFEST.exists()
    before = _files(home)
    defs = definitions.defs()
    assert isinstance(defs, dg.Definitions)
    assert _files(home) == before  # no profile rewritten, no dbt parse


def test_a_stale_manifest_is_named_not_parsed(
    placeholder_env: None, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.definitions import build_definitions

    prepare(load_settings())
    parsed = MANIFEST.stat().st_mtime_ns
    # A project file edited after the parse (the manifest is shared: it is not touched).
    edited = MANIFEST.stat().st_mtime + 1
    monkeypatch.setattr(project, "_newest_source_mtime", lambda: edited)
    with pytest.raises(PerfchainError, match="older than the dbt project"):
        build_definitions(load_settings())
    assert MANIFEST.stat().st_mtime_ns == parsed


def test_definitions_hold_jobs_schedule_and_one_asset_per_entity(
    placeholder_env: None, home: Path
) -> None:
    from orchestration.definitions import build_definitions

    prepare(load_settings())
    defs = build_definitions(load_settings())
    defs.validate_loadable(defs)
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"

    keys = {key.path[0] + "/" + "/".join(key.path[1:]) for key in defs.resolve_all_asset_keys()}
    sources = {e.source for e in ENTITIES if f"{e.source}_api" in defs.resources}
    expected = {f"raw/{e.source}/{e.name}" for e in ENTITIES if e.source in sources}
    assert expected <= keys
    groups = {
        spec.key.to_user_string(): spec.group_name
        for spec in defs.resolve_all_asset_specs()
        if spec.key.to_user_string() in expected
    }
    assert groups == {key: key.split("/")[1] for key in expected}
    # The warehouse models hang below the extract assets; the publish asset below the marts.
    graph = defs.resolve_asset_graph()
    staging = dg.AssetKey(["staging", "stg_erp__sale_invoices"])
    assert dg.AssetKey(["raw", "erp", "sale_invoices"]) in graph.get(staging).parent_keys
    published = graph.get(dg.AssetKey(["published", "perfchain"]))
    assert dg.AssetKey(["marts", "fct_order_delivery"]) in published.parent_keys
    # A quality_gate check on every mart that has a suite (the contract names them).
    gated = {key.asset_key.path[-1] for key in graph.asset_check_keys if key.name == "quality_gate"}
    assert gated == set(SUITES)


def test_the_jobs_are_as_of_a_date_in_their_run_config_and_the_schedule_gives_the_plant_day(
    placeholder_env: None, home: Path
) -> None:
    """No partitions: the as-of date is the `as_of` resource's config. The 02:00 tick of
    2026-02-15 in Shanghai (18:00 UTC on 02-14) asks for the plant's yesterday, 02-14, in a
    run config the nightly job accepts; `full_refresh_job` is the nightly job with the dbt
    build's full refresh set by default."""
    from orchestration.definitions import build_definitions

    prepare(load_settings())
    defs = build_definitions(load_settings())
    nightly = defs.resolve_job_def("nightly_job")
    refresh = defs.resolve_job_def("full_refresh_job")
    assert nightly.partitions_def is None and refresh.partitions_def is None
    assert set(refresh.asset_layer.executable_asset_keys) == set(
        nightly.asset_layer.executable_asset_keys
    )

    schedule = defs.resolve_schedule_def("nightly_schedule")
    tick = datetime(2026, 2, 14, 18, 0, tzinfo=UTC)
    with dg.build_schedule_context(scheduled_execution_time=tick) as context:
        (request,) = schedule.evaluate_tick(context).run_requests or []
    assert request.run_config == {"resources": {"as_of": {"config": {"as_of_date": "2026-02-14"}}}}
    assert request.run_key == "2026-02-14"
    assert request.tags["perfchain/as_of_date"] == "2026-02-14"
    assert dg.validate_run_config(nightly, request.run_config)["resources"]["as_of"] == {
        "config": {"as_of_date": "2026-02-14", "as_of_at": None}
    }
    # A minute before the plant's midnight (15:59 UTC) it is still the 14th there.
    with dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 2, 14, 15, 59, tzinfo=UTC)
    ) as context:
        (request,) = schedule.evaluate_tick(context).run_requests or []
    assert request.run_key == date(2026, 2, 13).isoformat()

    # The full refresh is the default of its config, and still lets a launch set the date.
    resolved = dg.validate_run_config(refresh, request.run_config)
    assert resolved["ops"]["warehouse_models"]["config"]["full_refresh"] is True
    assert resolved["resources"]["as_of"]["config"]["as_of_date"] == "2026-02-13"
    assert dg.validate_run_config(nightly, {})["ops"]["warehouse_models"]["config"] == {
        "full_refresh": False
    }


def test_the_signals_job_reads_what_its_models_need_and_its_schedule_skips_a_busy_warehouse(
    placeholder_env: None, home: Path
) -> None:
    """signals_job: the models tagged `signals`, the raw entities upstream of them and
    nothing of the nightly's publishing; every 15 minutes in plant time, a tick asking for
    a batch as of the tick, skipped with its reason while another run holds the writer
    lock. Both writing jobs carry the run queue's writer tag."""
    from orchestration.definitions import build_definitions
    from perfchain.core.writer import warehouse_writer

    settings = load_settings()
    prepare(settings)
    defs = build_definitions(settings)
    job = defs.resolve_job_def("signals_job")
    keys = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
    assert "intermediate/int_data_horizons_resolved" in keys
    # The horizon reads these four event sources, and the batch extracts them.
    assert {
        "raw/mes/machine_states",
        "raw/mes/production_counts",
        "raw/wms/proofs_of_delivery",
        "raw/erp/sale_orders",
    } <= keys
    assert not {"published/perfchain", "marts/kpi_daily"} & keys
    for name in ("signals_job", "nightly_job", "full_refresh_job"):
        assert defs.resolve_job_def(name).tags["perfchain/writer"] == "warehouse"

    schedule = defs.resolve_schedule_def("signals_schedule")
    assert schedule.cron_schedule == "*/15 * * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    tick = datetime(2026, 2, 15, 2, 15, 30, tzinfo=UTC)
    with dg.build_schedule_context(scheduled_execution_time=tick) as context:
        (request,) = schedule.evaluate_tick(context).run_requests or []
    assert request.run_config == {
        "resources": {"as_of": {"config": {"as_of_at": "2026-02-15T02:15:30+00:00"}}}
    }
    assert request.run_key == "2026-02-15T02:15:30+00:00"
    assert dg.validate_run_config(job, request.run_config)

    holding = "the nightly run as of 2026-02-14"
    with (
        warehouse_writer(settings.warehouse_path, holding, wait=True),
        dg.build_schedule_context(scheduled_execution_time=tick) as context,
    ):
        result = schedule.evaluate_tick(context)
    assert not result.run_requests
    assert "the nightly run as of 2026-02-14" in (result.skip_message or "")
