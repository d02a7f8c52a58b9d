"""The nightly job, the full-refresh job and the 02:00 schedule that launches the nightly
job as of the plant's yesterday (orchestration/defs/as_of.py: the date is run config)."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from orchestration.defs.as_of import AS_OF_TAG, as_of_run_config, plant_yesterday
from orchestration.defs.warehouse.assets import WAREHOUSE_MODELS, WarehouseBuildConfig
from orchestration.storage import WRITER_TAGS
from perfchain.core.settings import Settings


def build_nightly_job() -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        "nightly_job",
        selection=dg.AssetSelection.all(),
        tags=WRITER_TAGS,
        description="Extract every source through the as-of date (resources.as_of, default "
        "yesterday in the plant's zone), then build, audit, publish and report as of it.",
    )


def build_full_refresh_job() -> dg.UnresolvedAssetJobDefinition:
    """The nightly job with the dbt build's `--full-refresh`: the incremental models are
    rebuilt from raw. Its config is a default the launchpad shows and lets one edit (the
    as-of date goes beside it); a subset of its assets can be selected as in any job."""
    return dg.define_asset_job(
        "full_refresh_job",
        selection=dg.AssetSelection.all(),
        tags=WRITER_TAGS,
        config=dg.RunConfig(ops={WAREHOUSE_MODELS: WarehouseBuildConfig(full_refresh=True)}),
        description="The nightly job with the incremental models rebuilt from raw "
        "(dbt build --full-refresh), as of resources.as_of (default yesterday).",
    )


def build_nightly_schedule(
    job: dg.UnresolvedAssetJobDefinition, settings: Settings
) -> dg.ScheduleDefinition:
    plant_tz = settings.plant.timezone

    @dg.schedule(
        name="nightly_schedule",
        cron_schedule=settings.schedule.nightly_cron,
        job=job,
        execution_timezone=plant_tz,
        description="02:00 plant time: runs the nightly job as of the plant's yesterday.",
    )
    def _nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        # The tick's own time, not the clock's: a tick evaluated late still runs the
        # day before the one it was due on.
        fired = context.scheduled_execution_time or datetime.now(UTC)
        day = plant_yesterday(plant_tz, fired)
        return dg.RunRequest(
            # One run per date: a tick evaluated twice does not launch it twice.
            run_key=day.isoformat(),
            run_config=as_of_run_config(day),
            tags={AS_OF_TAG: day.isoformat()},
        )

    return _nightly
