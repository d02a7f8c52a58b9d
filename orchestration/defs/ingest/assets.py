"""One asset per source entity: `raw/<source>/<entity>`, grouped by source.

The asset is thin: it asks the source resource for a client and hands it to
extractors.landing.run.extract_entity, which tests call without Dagster. What it reads
starts at the entity's high-water mark; the run's as-of date (resources.as_of) only ends
the window, at the end of that plant day (a signals micro-batch: at its moment).
"""

from datetime import timedelta
from pathlib import Path

import dagster as dg

from extractors.contract import ENTITIES, Entity
from extractors.excel import EXCEL_ENTITIES
from extractors.landing.files import prune_landing
from extractors.landing.run import extract_entity
from perfchain.core import progress


def _extract_asset(
    entity: Entity,
    landing_dir: str,
    overlap_minutes: int,
    retention_days: int,
    quarantine_retry_days: int,
) -> dg.AssetsDefinition:
    resource_key = f"{entity.source}_api"

    @dg.asset(
        key=["raw", entity.source, entity.name],
        group_name=entity.source,
        pool="duckdb",
        kinds={"duckdb", "python"},
        description=f"{entity.doc} Landed to raw.{entity.source}__{entity.name}.",
        required_resource_keys={"warehouse", "as_of", resource_key},
    )
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        warehouse = context.resources.warehouse
        run_date = context.resources.as_of.day(warehouse.plant_tz)
        # A signals micro-batch reads through its moment, a nightly run its whole day.
        until = context.resources.as_of.moment(warehouse.plant_tz)
        client = getattr(context.resources, resource_key).client()
        with warehouse.connect() as con:
            run = extract_entity(
                client,
                entity,
                con,
                Path(landing_dir),
                run_date=run_date,
                plant_tz=warehouse.plant_tz,
                overlap=timedelta(minutes=overlap_minutes),
                quarantine_retry=timedelta(days=quarantine_retry_days),
                until=until,
            )
        prune_landing(Path(landing_dir) / entity.source, retention_days)
        context.log.info(
            "%s.%s: %d rows loaded, %d quarantined, %d requests in %.1fs",
            entity.source,
            entity.name,
            run.rows_loaded,
            run.rows_quarantined,
            run.requests,
            run.seconds,
        )
        progress.report(f"{entity.source}.{entity.name}", f"{run.rows_loaded} rows")
        metadata = run.as_metadata()
        for line in str(metadata["open_quarantine"]).splitlines():
            context.log.warning("open quarantine: %s", line)
        # What a source lands but wants someone to look at (an open month's missing
        # sheet): in the event log, and in the run summary through the metadata.
        warnings = list(getattr(client, "warnings", ()))
        for warning in warnings:
            context.log.warning("%s.%s: %s", entity.source, entity.name, warning)
        if warnings:
            metadata["warnings"] = "\n".join(warnings)
        return dg.MaterializeResult(metadata=metadata)

    return _asset


def build_extract_assets(
    sources: set[str],
    landing_dir: str,
    overlap_minutes: int,
    retention_days: int,
    quarantine_retry_days: int = 30,
) -> list[dg.AssetsDefinition]:
    return [
        _extract_asset(
            entity,
            landing_dir,
            overlap_minutes,
            retention_days,
            quarantine_retry_days,
        )
        for entity in (*ENTITIES, *EXCEL_ENTITIES)
        if entity.source in sources
    ]
