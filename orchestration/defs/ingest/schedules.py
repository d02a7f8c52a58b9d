"""Daily partitions in the plant time zone, the nightly job and its 02:00 schedule."""

from __future__ import annotations

import dagster as dg

from perfchain.core.settings import Settings


def build_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=settings.schedule.history_start.isoformat(),
        timezone=settings.plant.timezone,
    )


def build_nightly_job() -> dg.UnresolvedAssetJobDefinition:
    # Partitioning is inferred from the assets: all share the daily plant partitions.
    return dg.define_asset_job(
        "nightly_job",
        selection=dg.AssetSelection.all(),
        description="Extract every source for the plant day, then everything downstream.",
    )


def build_nightly_schedule(
    job: dg.UnresolvedAssetJobDefinition, settings: Settings
) -> dg.ScheduleDefinition:
    minute, hour = settings.schedule.nightly_cron.split()[:2]
    return dg.build_schedule_from_partitioned_job(
        job,
        name="nightly_schedule",
        hour_of_day=int(hour),
        minute_of_hour=int(minute),
        description="02:00 plant time: runs yesterday's partition.",
    )
