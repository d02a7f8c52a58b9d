"""The dbt project as Dagster assets (dagster-dbt): every model downstream of the extract
assets it reads, dbt tests as asset checks, one `dbt build` per run, as of the run's
plant date (orchestration/defs/as_of.py)."""

import json
import os
import shutil
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import yaml
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from alerts.outbox import ensure_outbox
from alerts.tasks import ensure_action_tasks
from expectations.summary import render_build_blocked, write_summary_text
from orchestration.defs.as_of import (
    AsOfDateError,
    AsOfResource,
    earlier_date_refusal,
    end_of_plant_day,
    record_build_as_of,
    record_signals_as_of,
)
from orchestration.defs.ingest.resources import WarehouseResource
from orchestration.defs.warehouse.failures import (
    DataTestsFailed,
    describe_failures,
    failed_data_tests,
)
from orchestration.defs.warehouse.project import (
    DBT_PROJECT_DIR,
    dbt_executable,
    parsed_manifest,
    write_whole,
)
from perfchain.core import progress

LAYERS = ("staging", "intermediate", "marts")
# The op of the dbt assets: its config (WarehouseBuildConfig) is `ops.warehouse_models`.
WAREHOUSE_MODELS = "warehouse_models"
PARTIAL_PARSE = "partial_parse.msgpack"
# dbt's own variable for the level of its file log; unset, the nightly build passes
# `--log-level-file warn` (dbt_build_args).
LOG_LEVEL_FILE_ENV = "DBT_LOG_LEVEL_FILE"
# dbt target folders (run_results.json, dbt.log) kept per installation, newest first.
KEEP_RUNS = 14
# The manifest of the last successful whole build and what it was built with, under
# $PERFCHAIN_HOME/dbt: dbt's `--state` for the next build (`dbt_build_args`).
STATE_DIR = "state"
STATE_KEY = "build.json"


class WarehouseBuildConfig(dg.Config):
    """Per-run options of the dbt build, set in the launchpad or with `--config-json`
    (`full_refresh_job` sets them for a whole run)."""

    # Rebuild the selected incremental models from raw (`dbt build --full-refresh`): what
    # `full_refresh_job` does, and the launch a model names when it cannot catch up by
    # itself (docs/operations.md).
    full_refresh: bool = False


def dbt_build_args(
    dbt_vars: dict[str, Any],
    full_refresh: bool,
    log_level_file: str | None = None,
    state: Path | None = None,
    partial_tests: Sequence[str] = (),
) -> list[str]:
    """The arguments of the night's `dbt build` (a subset selection is added by Dagster).

    dbt's file log (dbt.log in the target folder) at dbt's default level, debug, costs
    ≈ 3 s of the nightly build (≈ 7,000 events written): unless `log_level_file` (dbt's
    `DBT_LOG_LEVEL_FILE`) asks for a level, the file keeps warnings and errors; dbt's info
    lines are in the run log.

    `state` (`last_build_state`): the folder of the manifest of the last successful whole
    build on this warehouse. dbt then leaves out the staging and intermediate views whose
    definition is the same as in that build (`state:unmodified`, dbt's own comparison of
    code, config and macros; a mart is always built, since the publish waits for each): a
    view holds no data, so re-creating an unchanged one each night only costs a node (55
    views, ≈ 0.1 s of dbt's work each). The seeds likewise: a seed's table holds its CSV,
    and dbt's comparison includes the file's checksum, so an unchanged seed loaded again
    would write the same rows (6 seeds, ≈ 0.9 s of one dbt thread at the start of the
    build, where the incremental staging models wait for a thread). A view or seed that is
    new or changed is built. Their data tests still run, since the data under a view
    changes every night: Dagster selects every node by name (`fqn:*`), and
    `--indirect-selection empty` keeps dbt from excluding the tests of an excluded node
    with it (eager indirect selection would). No state, or a full refresh: every view and
    seed is built."""
    args = ["build", "--vars", json.dumps(dbt_vars), "--exclude-resource-type", "unit_test"]
    if not log_level_file:
        args += ["--log-level-file", "warn"]
    if full_refresh:
        return [*args, "--full-refresh"]
    if partial_tests:
        # A signals micro-batch leaves out the tests that read a table it does not build:
        # one comparing a table it rebuilt with one left as the nightly run built it would
        # compare two moments.
        return [*args, "--exclude", " ".join(partial_tests)]
    if state is not None:
        args += [
            "--state",
            str(state),
            "--indirect-selection",
            "empty",
            "--exclude",
            # Not the views among the marts: the publish waits for every mart it copies.
            " ".join(
                [
                    *(
                        f"config.materialized:view,state:unmodified,path:models/{layer}"
                        for layer in ("staging", "intermediate")
                    ),
                    "resource_type:seed,state:unmodified",
                ]
            ),
        ]
    return args


def partial_tests(manifest: dict[str, Any], selected: AbstractSet[dg.AssetKey]) -> list[str]:
    """The data tests that read a table (model, seed or snapshot: not a view, always
    current) outside `selected`, by name."""
    translator = WarehouseTranslator()
    keys = {
        unique_id: translator.get_asset_key(node)
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "snapshot")
        and node.get("config", {}).get("materialized") not in ("view", "ephemeral")
    }
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and any(
            parent in keys and keys[parent] not in selected
            for parent in node.get("depends_on", {}).get("nodes", [])
        )
    )


def _state_key(dbt_vars: dict[str, Any], tables: list[str]) -> dict[str, object]:
    """What dbt's state comparison does not see and a view's SQL depends on: the vars (the
    plant's time zone is compiled into the staging views), the dbt and adapter releases
    (their macros write the DDL), and which tables perfchain writes exist (`tables`:
    `optional_source` compiles a view over a table that is not there yet as an empty
    relation, so the view is rebuilt when the table appears)."""
    return {
        "vars": dbt_vars,
        "dbt-core": version("dbt-core"),
        "dbt-duckdb": version("dbt-duckdb"),
        "tables": tables,
    }


def written_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables perfchain writes outside dbt (raw landing, alerts working tables)."""
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('raw', 'alerts') and table_type = 'BASE TABLE' order by 1"
    ).fetchall()
    return [name for (name,) in rows]


def last_build_state(
    runs_dir: Path, dbt_vars: dict[str, Any], con: duckdb.DuckDBPyConnection
) -> Path | None:
    """The folder of the manifest `keep_build_state` kept, when it can stand for what the
    warehouse holds: same vars and dbt releases, and every view and seed table it lists is
    in the warehouse (a new or replaced warehouse file has none of them, so every view and
    seed is built)."""
    folder = runs_dir.parent / STATE_DIR
    manifest_path, key_path = folder / "manifest.json", folder / STATE_KEY
    if not manifest_path.exists() or not key_path.exists():
        return None
    if json.loads(key_path.read_text(encoding="utf-8")) != _state_key(
        dbt_vars, written_tables(con)
    ):
        return None
    nodes = json.loads(manifest_path.read_text(encoding="utf-8")).get("nodes", {})
    left_out = {
        (node["schema"], node.get("alias") or node["name"])
        for node in nodes.values()
        if node.get("resource_type") == "seed"
        or (
            node.get("resource_type") == "model"
            and node.get("config", {}).get("materialized") == "view"
        )
    }
    present = set(
        con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    )
    return folder if left_out <= present else None


def keep_build_state(
    target: Path, runs_dir: Path, dbt_vars: dict[str, Any], tables: list[str]
) -> None:
    """After a successful build of the whole project: its manifest is the next build's
    `--state` (a subset run's is not: the views it left out would pass for built)."""
    manifest = target / "manifest.json"
    if not manifest.exists():
        return
    folder = runs_dir.parent / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    # The key goes first: a manifest without its key is never used.
    (folder / STATE_KEY).unlink(missing_ok=True)
    write_whole(folder / "manifest.json", manifest.read_bytes())
    write_whole(folder / STATE_KEY, json.dumps(_state_key(dbt_vars, tables)).encode("utf-8"))


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt sources are the raw tables the extract assets write: same keys, so the graph
    connects `raw/<source>/<entity>` to the staging model that reads it."""

    def get_asset_key(self, dbt_resource_props):  # type: ignore[no-untyped-def, override]
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(
                ["raw", dbt_resource_props["source_name"], dbt_resource_props["name"]]
            )
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props):  # type: ignore[no-untyped-def, override]
        fqn = dbt_resource_props.get("fqn", [])
        for layer in LAYERS:
            if layer in fqn:
                return layer
        return {"seed": "config", "snapshot": "snapshots"}.get(
            dbt_resource_props["resource_type"], "warehouse"
        )


def _run_target(runs_dir: Path, name: str) -> Path:
    """A fresh dbt target folder for this run, seeded with the installation's last partial
    parse so dbt re-parses only what changed; older run folders beyond KEEP_RUNS go."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    target = runs_dir / name
    target.mkdir(parents=True, exist_ok=True)
    saved = runs_dir.parent / PARTIAL_PARSE
    if saved.exists():
        shutil.copy(saved, target / PARTIAL_PARSE)
    folders = sorted((p for p in runs_dir.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in folders[:-KEEP_RUNS]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def _keep_partial_parse(target: Path, runs_dir: Path) -> None:
    parsed = target / PARTIAL_PARSE
    if parsed.exists():
        write_whole(runs_dir.parent / PARTIAL_PARSE, parsed.read_bytes())


def _project_var(name: str) -> Any:
    """A var's default in dbt_project.yml."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project.get("vars", {}).get(name)


def build_dbt_assets(
    plant_id: str,
    plant_tz: str,
    runs_dir: Path,
    logs_dir: Path | None = None,
    *,
    history_start: date,
    platform_freshness: list[dict[str, Any]] | None = None,
) -> dg.AssetsDefinition:
    """`runs_dir`: where each run's dbt target folder goes (under $PERFCHAIN_HOME/dbt).
    `logs_dir`: where a build stopped by failed data tests writes its quality summary
    (`quality-latest.txt`, expectations/summary.py), the gate not running after it.
    `history_start`: the first plant date, named by the refusal of an earlier as-of.
    `platform_freshness`: alerts.freshness of perfchain.yaml (the dbt var of that name),
    passed only when it is not dbt_project.yml's default, so partial parsing holds."""
    manifest = parsed_manifest()
    default_freshness = _project_var("platform_freshness")

    @dbt_assets(
        manifest=manifest,
        dagster_dbt_translator=WarehouseTranslator(
            settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
        ),
        pool="duckdb",
        name=WAREHOUSE_MODELS,
    )
    def warehouse_models(  # type: ignore[no-untyped-def]
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        as_of: AsOfResource,
        config: WarehouseBuildConfig,
    ):
        """`dbt build` as of the run's plant date: models, seeds, snapshots and their data
        tests.

        dbt unit tests check the SQL, not the data: `make test` runs them, the nightly
        build leaves them out (dbt's advice for production runs)."""
        # The plant of perfchain.yaml (constant per installation, so partial parsing
        # holds), and the run's date as the KPIs' "as of".
        dbt_vars: dict[str, Any] = {"plant_id": plant_id, "plant_tz": plant_tz}
        if platform_freshness is not None and platform_freshness != default_freshness:
            dbt_vars["platform_freshness"] = platform_freshness
        day = as_of.day(plant_tz)
        # A signals micro-batch builds the models tagged `signals` as of its moment; the
        # KPIs' as-of date stays the last nightly run's.
        moment = as_of.moment(plant_tz)
        # Refused here too, not only by `perfchain run`: a launch from the UI or the
        # schedule must not build marts of a date the warehouse has moved past.
        with warehouse.connect() as con:
            refusal = earlier_date_refusal(con, day, plant_tz, history_start)
            if refusal:
                raise AsOfDateError(refusal)
            # dbt reads the date from the warehouse (int_data_horizons_resolved): the same
            # project parse serves every night, and nothing of this process is changed.
            if moment is None:
                record_build_as_of(con, day, context.run.run_id)
            record_signals_as_of(
                con,
                moment or end_of_plant_day(day, plant_tz),
                "nightly" if moment is None else "batch",
                context.run.run_id,
            )
            # Unchanged views are left out only when the whole project is built: a subset's
            # selection is Dagster's, and its tests follow their models.
            whole = not context.is_subset
            # The working tables dispatch writes: there before dbt reads them, so the
            # views over them are never compiled as empty relations.
            ensure_outbox(con)
            ensure_action_tasks(con)
            tables = written_tables(con)
            state = None
            if whole and not config.full_refresh:
                state = last_build_state(runs_dir, dbt_vars, con)
            # dbt opens the file next and replays these few rows from the write-ahead log;
            # a checkpoint at this close would rewrite the file's metadata first (≈ 0.25 s
            # at scale m), and dbt's own close checkpoints everything anyway.
            con.execute("pragma disable_checkpoint_on_shutdown")
        name = (
            f"{day}-{context.run.run_id[:8]}"
            if moment is None
            else (f"{moment:%Y-%m-%dT%H%M}-{context.run.run_id[:8]}")
        )
        target = _run_target(runs_dir, name)
        args = dbt_build_args(
            dbt_vars,
            config.full_refresh,
            os.environ.get(LOG_LEVEL_FILE_ENV),
            state,
            partial_tests=()
            if moment is None
            else partial_tests(
                json.loads(manifest.read_text(encoding="utf-8")), context.selected_asset_keys
            ),
        )
        invocation = dbt.cli(args, context=context, target_path=target)
        try:
            for event in invocation.stream():
                if isinstance(event, dg.Output):
                    progress.report(event.output_name)
                yield event
        except DagsterDbtCliRuntimeError as error:
            # dbt names a failed test only; the run's error names the records it found.
            with warehouse.connect() as con:
                failed = failed_data_tests(target / "run_results.json", con)
            if failed:
                if logs_dir is not None:
                    summary = render_build_blocked(
                        context.run.run_id,
                        day.isoformat(),
                        [(test.headline, test.row_lines) for test in failed],
                    )
                    write_summary_text(context.run.run_id, summary, logs_dir)
                raise DataTestsFailed(describe_failures(failed)) from error
            raise
        _keep_partial_parse(target, runs_dir)
        if whole:
            keep_build_state(target, runs_dir, dbt_vars, tables)

    return warehouse_models


def build_dbt_resource(profiles_dir: str) -> DbtCliResource:
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=profiles_dir,
        target="prod",
        dbt_executable=dbt_executable(),
    )
