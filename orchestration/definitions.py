"""The one entry point: assembles the definitions from defs/, nothing else.

Importing this module builds nothing; Dagster's tools (`dagster dev -m ...`) call `defs`
(`@dg.definitions`) when they load it. Loading reads the dbt manifest and profile that
`perfchain prepare` (also run by `make install`, `make dev` and `perfchain run`) wrote, and
writes nothing itself.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.alerts.assets import DISPATCH_KEY, build_dispatch_asset
from orchestration.defs.alerts.platform import build_platform_failure_sensor
from orchestration.defs.as_of import AS_OF_KEY, AsOfResource
from orchestration.defs.ingest.assets import build_extract_assets
from orchestration.defs.ingest.resources import build_api_resources, build_warehouse
from orchestration.defs.ingest.schedules import (
    build_full_refresh_job,
    build_nightly_job,
    build_nightly_schedule,
)
from orchestration.defs.publish.assets import PUBLISH_KEY, build_publish_asset
from orchestration.defs.quality.checks import build_quality_checks
from orchestration.defs.reports.assets import build_reports_asset
from orchestration.defs.signals.jobs import (
    build_signals_job,
    build_signals_schedule,
    signals_selection,
)
from orchestration.defs.warehouse.assets import build_dbt_assets, build_dbt_resource
from orchestration.defs.warehouse.project import written_profile
from perfchain.core.settings import Settings, load_settings, smtp_config


def build_definitions(settings: Settings) -> dg.Definitions:
    api_resources = build_api_resources(settings)
    sources = {key.removesuffix("_api") for key in api_resources}
    assets = build_extract_assets(
        sources,
        str(settings.landing_dir),
        settings.extract.overlap_minutes,
        settings.extract.landing_retention_days,
        settings.extract.quarantine_retry_days,
    )
    models = build_dbt_assets(
        settings.plant.code,
        settings.plant.timezone,
        settings.home / "dbt" / "runs",
        settings.logs_dir,
        history_start=settings.schedule.history_start,
        platform_freshness=settings.alerts.freshness_expectations(),
    )
    marts = {key.path[-1]: key for key in models.keys if key.path[0] == "marts"}
    quality = {
        "quality_dir": str(settings.home / "quality"),
        "published_path": str(settings.published_path),
        "logs_dir": str(settings.logs_dir),
        "plant_tz": settings.plant.timezone,
    }
    checks = build_quality_checks(marts, **quality)
    dispatched = build_dispatch_asset(settings)
    published = build_publish_asset(
        # After the dispatch: the published alert states are this run's sends.
        [*marts.values(), DISPATCH_KEY],
        keep=settings.warehouse.published_keep,
        **quality,
    )
    reports = build_reports_asset(
        [PUBLISH_KEY],
        published_path=str(settings.published_path),
        reports_dir=str(settings.reports_dir),
        drop_folder=str(settings.reports.drop_folder) if settings.reports.drop_folder else None,
        smtp=smtp_config(settings),
        lang=settings.reports.lang,
        periods=settings.reports.periods,
        plant_tz=settings.plant.timezone,
    )
    job = build_nightly_job()
    signals_job = build_signals_job(
        signals_selection(models, dg.AssetSelection.assets(DISPATCH_KEY))
    )
    full_refresh_job = build_full_refresh_job()
    return dg.Definitions(
        assets=[*assets, models, dispatched, published, reports],
        sensors=[build_platform_failure_sensor(settings, [job, full_refresh_job, signals_job])],
        asset_checks=checks,
        jobs=[job, full_refresh_job, signals_job],
        schedules=[
            build_nightly_schedule(job, settings),
            build_signals_schedule(
                signals_job,
                settings.alerts.signals_cron,
                settings.plant.timezone,
                settings.warehouse_path,
            ),
        ],
        resources={
            # Unset here: each launch sets the date (default: the plant's yesterday).
            AS_OF_KEY: AsOfResource(),
            "warehouse": build_warehouse(settings),
            "dbt": build_dbt_resource(str(written_profile(settings))),
            **api_resources,
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(load_settings())
