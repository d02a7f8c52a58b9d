"""The signals micro-batch (SPEC §8): a job that extracts what the alert rules read, builds
the dbt models tagged `signals` as of its moment, and dispatches; and the schedule that
launches it every `alerts.cadence_minutes` (default 15) in plant time.

It shares the working warehouse with the nightly job, and the two never run at once:
both carry the tag `perfchain/writer` (the instance's run queue runs one run per value,
orchestration/storage.py), `perfchain run` and `perfchain signals` hold the writer lock
(perfchain/core/writer.py), and a tick that finds the lock held is skipped with its
reason, visible in the schedule's history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster_dbt import build_dbt_asset_selection

from orchestration.defs.as_of import signals_run_config
from orchestration.storage import WRITER_TAGS
from perfchain.core.writer import holder, is_held

SIGNALS_TAG = "signals"
SIGNALS_RUN_TAG = "perfchain/signals_at"


def signals_selection(models: dg.AssetsDefinition, extra: dg.AssetSelection) -> dg.AssetSelection:
    """The models tagged `signals`, the raw entities they read (directly or through the
    views and models between), and `extra` (the dispatch)."""
    tagged = build_dbt_asset_selection([models], dbt_select=f"tag:{SIGNALS_TAG}")
    raw = tagged.upstream() & dg.AssetSelection.key_prefixes(["raw"])
    return tagged | raw.materializable() | extra


def build_signals_job(selection: dg.AssetSelection) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        "signals_job",
        selection=selection,
        tags=WRITER_TAGS,
        description="The signals micro-batch: extract what the alert rules read through the "
        "batch's moment (resources.as_of.as_of_at), build the models tagged signals, "
        "dispatch the due alerts and tasks.",
    )


def build_signals_schedule(
    job: dg.UnresolvedAssetJobDefinition, cron: str, plant_tz: str, warehouse_path: Path
) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="signals_schedule",
        cron_schedule=cron,
        job=job,
        execution_timezone=plant_tz,
        description="Every few minutes (alerts.cadence_minutes): one signals "
        "micro-batch as of the tick.",
    )
    def _signals(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        fired = context.scheduled_execution_time or datetime.now(UTC)
        if is_held(warehouse_path):
            # The nightly run (or a batch still running) has the warehouse: this tick is
            # skipped, not queued behind it; the next tick reads everything since.
            return dg.SkipReason(f"skipped: {holder(warehouse_path)} is writing the warehouse")
        moment = fired.astimezone(UTC).replace(microsecond=0)
        return dg.RunRequest(
            run_key=moment.isoformat(),
            run_config=signals_run_config(moment),
            tags={SIGNALS_RUN_TAG: moment.isoformat()},
        )

    return _signals
