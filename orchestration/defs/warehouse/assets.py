"""The dbt project as Dagster assets (dagster-dbt): every model downstream of the extract
assets it reads, dbt tests as asset checks, one `dbt build` per plant date."""

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from dagster_dbt.errors import DagsterDbtCliRuntimeError
from packaging import version

from orchestration.defs.ingest.resources import WarehouseResource
from orchestration.defs.warehouse.dbt_entry import TEMPLATES_ENV
from orchestration.defs.warehouse.failures import (
    DataTestsFailed,
    describe_failures,
    failed_data_tests,
)
from orchestration.defs.warehouse.project import (
    DBT_PROJECT_DIR,
    dbt_executable,
    ensure_manifest,
    write_whole,
)
from perfchain import progress
from perfchain.quality_report import render_build_blocked, write_summary_text

LAYERS = ("staging", "intermediate", "marts")
# The plant date a build computes "as of". An environment variable, not a dbt var: dbt
# re-parses the whole project when --vars change (≈10 s at every nightly run), but only
# the files that read an environment variable when its value changes.
AS_OF_ENV = "PERFCHAIN_AS_OF_DATE"
PARTIAL_PARSE = "partial_parse.msgpack"
# The manifest of the last whole build that succeeded ($PERFCHAIN_HOME/dbt/state).
STATE = "state"
LOG_LEVEL_FILE_ENV = "DBT_LOG_LEVEL_FILE"
# Jinja's compiled code of dbt's templates, kept between runs (dbt_entry.py).
TEMPLATES = "templates.marshal"
# dbt target folders (run_results.json, dbt.log) kept per installation, newest first.
KEEP_RUNS = 14


class WarehouseBuildConfig(dg.Config):
    """Per-run options of the dbt build, set in the launchpad or with `--config-json`."""

    # Rebuild the selected incremental models from raw (`dbt build --full-refresh`): the
    # launch a model names when it cannot catch up by itself (docs/operations.md).
    full_refresh: bool = False


def dbt_build_args(dbt_vars: dict[str, str], full_refresh: bool) -> list[str]:
    """The arguments of the night's `dbt build` (a subset selection is added by Dagster)."""
    args = ["build", "--vars", json.dumps(dbt_vars), "--exclude-resource-type", "unit_test"]
    return [*args, "--full-refresh"] if full_refresh else args


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


def _set_environment(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    """Each name set to its value (None: unset) while dagster-dbt builds the dbt
    subprocess's environment."""
    before = {name: os.environ.get(name) for name in values}
    try:
        _set_environment(values)
        yield
    finally:
        _set_environment(before)


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


def _relations(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    """(schema, name, "table" or "view") of every relation of the warehouse."""
    rows = con.execute(
        "select schema_name, table_name, 'table' from duckdb_tables() "
        "union all select schema_name, view_name, 'view' from duckdb_views() where not internal"
    ).fetchall()
    return {(schema.lower(), name.lower(), kind) for schema, name, kind in rows}


def _identity(dbt_vars: dict[str, str]) -> dict[str, object]:
    """What a build's compiled SQL depends on besides the project files."""
    return {"vars": dbt_vars, "dbt": installed_version("dbt-core")}


def _unchanged_left_out(
    state: Path, dbt_vars: dict[str, str], relations: set[tuple[str, str, str]]
) -> list[str]:
    """dbt arguments that leave out of the build the views and seeds unchanged since the
    last whole build that succeeded (dbt's `state:unmodified`), or none.

    A view holds no data: re-creating an unchanged one each night only costs its node
    (≈ 65 ms of dbt and a Dagster event each; ≈ 3.5 s for the 54 views). A seed reloads
    the same file. Their data tests still run (`--indirect-selection empty` keeps
    excluding a node from excluding its tests). Left out only when the saved state was
    built with the same vars and dbt, and every view of it is a view of the warehouse and
    every seed a table (a warehouse rebuilt from scratch, or restored from before a model
    became a view, gets them all again)."""
    manifest_path, identity_path = state / "manifest.json", state / "identity.json"
    if not manifest_path.exists() or not identity_path.exists():
        return []
    if json.loads(identity_path.read_text(encoding="utf-8")) != _identity(dbt_vars):
        return []
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"].values()
    kept = {
        (
            node["schema"].lower(),
            (node.get("alias") or node["name"]).lower(),
            "table" if node["resource_type"] == "seed" else "view",
        )
        for node in nodes
        if node["resource_type"] == "seed"
        or (node["resource_type"] == "model" and node["config"]["materialized"] == "view")
    }
    if not kept <= relations:
        return []
    return [
        "--state",
        str(state),
        "--indirect-selection",
        "empty",
        # One value (a space is dbt's union): dagster-dbt moves a flag's first value only.
        "--exclude",
        "config.materialized:view,state:unmodified resource_type:seed,state:unmodified",
    ]


def _keep_state(target: Path, state: Path, dbt_vars: dict[str, str]) -> None:
    """The manifest of a whole build that succeeded, and what it was built with."""
    state.mkdir(parents=True, exist_ok=True)
    write_whole(state / "manifest.json", (target / "manifest.json").read_bytes())
    write_whole(state / "identity.json", json.dumps(_identity(dbt_vars)).encode())


def build_dbt_assets(
    partitions_def: dg.PartitionsDefinition,
    plant_id: str,
    plant_tz: str,
    runs_dir: Path,
    logs_dir: Path | None = None,
) -> dg.AssetsDefinition:
    """`runs_dir`: where each run's dbt target folder goes (under $PERFCHAIN_HOME/dbt).
    `logs_dir`: where a build stopped by failed data tests writes its quality summary
    (`quality-latest.txt`, perfchain/quality_report.py), the gate not running after it."""
    manifest = ensure_manifest()

    @dbt_assets(
        manifest=manifest,
        dagster_dbt_translator=WarehouseTranslator(
            settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
        ),
        partitions_def=partitions_def,
        pool="duckdb",
        name="warehouse_models",
        # One run per plant date, like the extract assets (perfchain run loops the dates).
        backfill_policy=dg.BackfillPolicy.multi_run(1),
    )
    def warehouse_models(  # type: ignore[no-untyped-def]
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
        config: WarehouseBuildConfig,
    ):
        """`dbt build` for the plant date: models, seeds, snapshots and their data tests.

        dbt unit tests check the SQL, not the data: `make test` runs them, the nightly
        build leaves them out (dbt's advice for production runs)."""
        # The plant of perfchain.yaml (constant per installation, so partial parsing
        # holds), and the partition's date as the KPIs' "as of".
        dbt_vars = {"plant_id": plant_id, "plant_tz": plant_tz}
        as_of = context.partition_key if context.has_partition_key else None
        name = f"{as_of or 'latest'}-{context.run.run_id[:8]}"
        target = _run_target(runs_dir, name)
        args = dbt_build_args(dbt_vars, config.full_refresh)
        state = runs_dir.parent / STATE
        # Every model and test, not a subset picked in the UI.
        whole = not context.is_subset
        if whole:
            with warehouse.connect() as con:
                relations = _relations(con)
            args += _unchanged_left_out(state, dbt_vars, relations)
        # dbt's own file log (dbt.log in the target folder) at debug level costs ≈ 3 s of
        # the nightly build (≈ 7,000 events serialised); warnings and errors are kept there,
        # dbt's info lines are in the run log. DBT_LOG_LEVEL_FILE=debug brings it all back.
        log_level = os.environ.get(LOG_LEVEL_FILE_ENV) or "warn"
        templates = str(runs_dir.parent / TEMPLATES)
        environment = {AS_OF_ENV: as_of, LOG_LEVEL_FILE_ENV: log_level, TEMPLATES_ENV: templates}
        with _environment(environment):
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
                        as_of or "the latest date",
                        [(test.headline, test.row_lines) for test in failed],
                    )
                    write_summary_text(context.run.run_id, summary, logs_dir)
                raise DataTestsFailed(describe_failures(failed)) from error
            raise
        _keep_partial_parse(target, runs_dir)
        if whole:
            _keep_state(target, state, dbt_vars)

    return warehouse_models


class WarehouseDbtResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource, less two start-up costs of every `dbt.cli()` call
    (≈ 5 s of the nightly dbt step on a 2-core machine) that buy nothing here:

    - it runs `dbt --version` in a subprocess to learn the version (≈ 3 s): the dbt it
      calls is the one installed beside this Python (`dbt_executable()`), so the version is
      the installed package's;
    - it loads the project and the adapter's macros in this process (≈ 2 s) for one use
      only, fetching row counts or column metadata after a build, which we do not ask for.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def build_dbt_resource(profiles_dir: str) -> DbtCliResource:
    return WarehouseDbtResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=profiles_dir,
        target="prod",
        dbt_executable=dbt_executable(),
    )
