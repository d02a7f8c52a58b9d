"""The dbt project as Dagster assets (dagster-dbt): every model downstream of the extract
assets it reads, dbt tests as asset checks, one `dbt build` per plant date."""

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from expectations.summary import render_build_blocked, write_summary_text
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
# The plant date a build computes "as of". An environment variable, not a dbt var: dbt
# re-parses the whole project when --vars change (≈10 s at every nightly run), but only
# the files that read an environment variable when its value changes.
AS_OF_ENV = "PERFCHAIN_AS_OF_DATE"
PARTIAL_PARSE = "partial_parse.msgpack"
# dbt's own variable for the level of its file log; unset, the nightly build passes
# `--log-level-file warn` (dbt_build_args).
LOG_LEVEL_FILE_ENV = "DBT_LOG_LEVEL_FILE"
# dbt target folders (run_results.json, dbt.log) kept per installation, newest first.
KEEP_RUNS = 14


class WarehouseBuildConfig(dg.Config):
    """Per-run options of the dbt build, set in the launchpad or with `--config-json`."""

    # Rebuild the selected incremental models from raw (`dbt build --full-refresh`): the
    # launch a model names when it cannot catch up by itself (docs/operations.md).
    full_refresh: bool = False


def dbt_build_args(
    dbt_vars: dict[str, str], full_refresh: bool, log_level_file: str | None = None
) -> list[str]:
    """The arguments of the night's `dbt build` (a subset selection is added by Dagster).

    dbt's file log (dbt.log in the target folder) at dbt's default level, debug, costs
    ≈ 3 s of the nightly build (≈ 7,000 events written): unless `log_level_file` (dbt's
    `DBT_LOG_LEVEL_FILE`) asks for a level, the file keeps warnings and errors; dbt's info
    lines are in the run log."""
    args = ["build", "--vars", json.dumps(dbt_vars), "--exclude-resource-type", "unit_test"]
    if not log_level_file:
        args += ["--log-level-file", "warn"]
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


def _set_as_of(value: str | None) -> None:
    if value is None:
        os.environ.pop(AS_OF_ENV, None)
    else:
        os.environ[AS_OF_ENV] = value


@contextmanager
def _as_of_environment(as_of: str | None) -> Iterator[None]:
    """`AS_OF_ENV` set to `as_of` (None: unset) while dagster-dbt starts dbt.

    `DbtCliResource.cli()` passes this process's environment to dbt, as dagster-dbt
    documents, and has no argument for a variable of dbt's own; dbt reads it with its
    public `env_var()`. The process's value comes back as soon as dbt has started."""
    before = os.environ.get(AS_OF_ENV)
    _set_as_of(as_of)
    try:
        yield
    finally:
        _set_as_of(before)


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


def build_dbt_assets(
    partitions_def: dg.PartitionsDefinition,
    plant_id: str,
    plant_tz: str,
    runs_dir: Path,
    logs_dir: Path | None = None,
) -> dg.AssetsDefinition:
    """`runs_dir`: where each run's dbt target folder goes (under $PERFCHAIN_HOME/dbt).
    `logs_dir`: where a build stopped by failed data tests writes its quality summary
    (`quality-latest.txt`, expectations/summary.py), the gate not running after it."""
    manifest = parsed_manifest()

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
        args = dbt_build_args(dbt_vars, config.full_refresh, os.environ.get(LOG_LEVEL_FILE_ENV))
        with _as_of_environment(as_of):
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

    return warehouse_models


def build_dbt_resource(profiles_dir: str) -> DbtCliResource:
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=profiles_dir,
        target="prod",
        dbt_executable=dbt_executable(),
    )
