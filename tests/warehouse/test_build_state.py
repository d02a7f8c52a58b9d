"""The nightly build leaves out the views and seeds that are the same as in the last
successful whole build (dbt's `--state` and `state:unmodified`), and still runs their data
tests: the data under a view changes every night. A warehouse without those views or seed
tables, other vars or another dbt release build every view and seed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.warehouse.assets import (
    dbt_build_args,
    keep_build_state,
    last_build_state,
    written_tables,
)
from tests.warehouse.conftest import Warehouse, run_dbt

PLANT = {"plant_id": "P01", "plant_tz": "Asia/Shanghai"}


def test_state_adds_dbt_state_selection_and_full_refresh_ignores_it(tmp_path: Path) -> None:
    plain = dbt_build_args(PLANT, full_refresh=False)
    assert "--state" not in plain and "--exclude" not in plain
    args = dbt_build_args(PLANT, full_refresh=False, state=tmp_path)
    assert args[len(plain) :] == [
        "--state",
        str(tmp_path),
        "--indirect-selection",
        "empty",
        "--exclude",
        "config.materialized:view,state:unmodified,path:models/staging "
        "config.materialized:view,state:unmodified,path:models/intermediate "
        "resource_type:seed,state:unmodified",
    ]
    refresh = dbt_build_args(PLANT, full_refresh=True, state=tmp_path)
    assert "--state" not in refresh and "--full-refresh" in refresh


def _manifest(target: Path, views: list[tuple[str, str]]) -> None:
    nodes = {
        f"model.perfchain.{name}": {
            "resource_type": "model",
            "schema": schema,
            "name": name,
            "alias": name,
            "config": {"materialized": "view"},
        }
        for schema, name in views
    }
    nodes["model.perfchain.t"] = {
        "resource_type": "model",
        "schema": "marts",
        "name": "t",
        "alias": "t",
        "config": {"materialized": "table"},
    }
    nodes["seed.perfchain.s"] = {
        "resource_type": "seed",
        "schema": "config",
        "name": "s",
        "alias": "s",
        "config": {"materialized": "seed"},
    }
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}))


def test_state_stands_only_for_a_warehouse_that_has_its_views_and_seeds(tmp_path: Path) -> None:
    runs = tmp_path / "dbt" / "runs"
    con = duckdb.connect()
    con.execute("create schema config")
    con.execute("create table config.s as select 1 as a")
    con.execute("create schema staging")
    con.execute("create view staging.v1 as select 1 as a")
    con.execute("create view staging.v2 as select 2 as a")
    # Nothing kept yet: a first night builds every view.
    assert last_build_state(runs, PLANT, con) is None
    _manifest(tmp_path / "run1", [("staging", "v1"), ("staging", "v2")])
    keep_build_state(tmp_path / "run1", runs, PLANT, written_tables(con))
    state = last_build_state(runs, PLANT, con)
    assert state == tmp_path / "dbt" / "state"
    assert json.loads((state / "manifest.json").read_text())["nodes"].keys() >= {
        "model.perfchain.v1"
    }
    # Other vars (the plant's time zone is compiled into views): no state.
    assert last_build_state(runs, {**PLANT, "plant_tz": "Europe/Berlin"}, con) is None
    # A table perfchain writes appears (a sheet landed for the first time, an alerts
    # working table): the views `optional_source` compiled empty over it must be rebuilt.
    con.execute("create schema raw")
    con.execute("create table raw.excel__alert_rules (rule_id varchar)")
    assert last_build_state(runs, PLANT, con) is None
    keep_build_state(tmp_path / "run1", runs, PLANT, written_tables(con))
    assert last_build_state(runs, PLANT, con) == state
    # A seed of the kept build missing from the warehouse: no state (dbt loads it again).
    con.execute("drop table config.s")
    assert last_build_state(runs, PLANT, con) is None
    con.execute("create table config.s as select 1 as a")
    assert last_build_state(runs, PLANT, con) == state
    # A view of the kept build missing from the warehouse (a new file): no state.
    con.execute("drop view staging.v2")
    assert last_build_state(runs, PLANT, con) is None


@pytest.mark.slow  # runs dbt
def test_unchanged_views_are_left_out_and_their_tests_still_catch(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse.path, db)
    # The shared build is the last successful whole build of this warehouse.
    built = tmp_path / "built"
    shutil.copytree(warehouse.path.parent / "target", built)
    runs = tmp_path / "dbt" / "runs"
    vars_ = {"plant_id": "P01"}
    with duckdb.connect(str(db)) as con:
        keep_build_state(built, runs, vars_, written_tables(con))
        state = last_build_state(runs, vars_, con)
        assert state is not None
        # A grade the ERP does not have, on a customer read through a view.
        con.execute(
            "update raw.erp__customers set ccusgrade = 'Z' "
            "where code = (select min(code) from raw.erp__customers)"
        )
    args = dbt_build_args(vars_, full_refresh=False, state=state)
    run = run_dbt(db, tmp_path, *args[:1], "--select", "fqn:*", *args[1:])
    nodes = json.loads((built / "manifest.json").read_text())["nodes"]
    views = {
        unique_id
        for unique_id, node in nodes.items()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "view"
    }
    # The views among the marts are built every night (the publish waits for each mart).
    marts = {unique_id for unique_id in views if nodes[unique_id]["fqn"][1] == "marts"}
    ran = {r["unique_id"] for r in run.results}
    models = {u for u in ran if u.startswith("model.")}
    assert marts and marts <= models
    assert views - marts and not (views - marts) & models, sorted((views - marts) & models)
    # No seed was loaded again: none changed.
    seeds = {unique_id for unique_id in nodes if unique_id.startswith("seed.")}
    assert seeds and not seeds & ran
    # Every data test of the whole build ran, those on the views too.
    tests = {r["unique_id"] for r in warehouse.build.results if r["unique_id"].startswith("test.")}
    assert tests <= ran
    failed = [
        (r["unique_id"].split(".")[2], r["failures"]) for r in run.results if r["status"] == "fail"
    ]
    assert failed == [("staging_rules_erp", 1)], run.output
