"""The dbt project as Dagster assets (dagster-dbt): every model downstream of the extract
assets it reads, dbt tests as asset checks, one `dbt build` per plant date."""

import json

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.defs.warehouse.project import DBT_PROJECT_DIR, dbt_executable, ensure_manifest
from perfchain import progress

LAYERS = ("staging", "intermediate", "marts")


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


def build_dbt_assets(
    partitions_def: dg.PartitionsDefinition, plant_id: str, plant_tz: str
) -> dg.AssetsDefinition:
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
    def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):  # type: ignore[no-untyped-def]
        """`dbt build` for the plant date: models, seeds, snapshots and their tests."""
        # The plant of perfchain.yaml, and the partition's date as the KPIs' "as of".
        dbt_vars: dict[str, str] = {"plant_id": plant_id, "plant_tz": plant_tz}
        if context.has_partition_key:
            dbt_vars["as_of_date"] = context.partition_key
        invocation = dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context)
        for event in invocation.stream():
            if isinstance(event, dg.Output):
                progress.report(event.output_name)
            yield event

    return warehouse_models


def build_dbt_resource(profiles_dir: str) -> DbtCliResource:
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=profiles_dir,
        target="prod",
        dbt_executable=dbt_executable(),
    )
