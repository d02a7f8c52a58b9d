"""The Dagster definitions load with placeholder secrets, hold what must exist, and
loading them writes nothing: `perfchain prepare` parses dbt and writes the profile."""

from __future__ import annotations

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
    job = defs.resolve_job_def("nightly_job")
    assert job.partitions_def is not None
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
