"""The Dagster definitions load with placeholder secrets and hold what must exist."""

from __future__ import annotations

import dagster as dg
import pytest

from extractors.credentials import SECRET_KEYS, env_name
from extractors.simulator.schema import ENTITIES

pytestmark = pytest.mark.slow  # loads the Dagster definitions (dbt manifest included)


@pytest.fixture
def placeholder_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for source, keys in SECRET_KEYS.items():
        for key in keys:
            monkeypatch.setenv(env_name(source, key), "placeholder")


def test_definitions_hold_jobs_schedule_and_one_asset_per_entity(placeholder_env: None) -> None:
    from orchestration.definitions import build_definitions
    from perfchain.settings import load_settings

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
    checks = {key.name for key in graph.asset_check_keys}
    assert "quality_gate" in checks
