"""The dispatch of one batch (SPEC §8): after the dbt models tagged `signals`, the due
actions become OA and e-mail tasks (alerts/tasks.py), then the due messages go out through
the outbox (alerts/dispatch.py), as of the run's moment: a micro-batch's, or the end of a
nightly run's day. In both jobs; in the nightly one before the publish, so the published
alert tables hold what this run sent."""

from datetime import UTC, timedelta

import dagster as dg

from alerts.dispatch import dispatch
from alerts.platform import queue_stale_sources
from alerts.tasks import run_action_tasks
from orchestration.defs.as_of import end_of_plant_day
from perfchain.core import progress
from perfchain.core.settings import Settings, smtp_config

DISPATCH_KEY = dg.AssetKey(["alerts", "dispatch"])
DUE = (
    dg.AssetKey(["intermediate", "int_alert_messages_due"]),
    dg.AssetKey(["intermediate", "int_alert_actions_due"]),
)
# Stale sources (SPEC §8.6) are judged by the view int_platform_sources_freshness and
# queued here with the batch's alerts. Not a dep: a night leaves an unchanged view out of
# its build (orchestration/defs/warehouse/assets.py, `state:unmodified`), and a dep not
# materialised would skip this step and the publish after it. The view is current
# whenever it exists (dbt builds it in the same step as the tables above).


def build_dispatch_asset(settings: Settings) -> dg.AssetsDefinition:
    oa = "oa_api" if "oa" in settings.sources else None

    @dg.asset(
        key=DISPATCH_KEY,
        deps=list(DUE),
        group_name="alerts",
        pool="duckdb",
        kinds={"python", "duckdb"},
        required_resource_keys={"warehouse", "as_of", *([oa] if oa else [])},
        description="The batch's due alert tasks (OA, e-mail) and messages (WeCom, "
        "DingTalk, e-mail), each once: alerts.action_tasks and alerts.outbox.",
    )
    def _dispatch(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        warehouse = context.resources.warehouse
        tz = warehouse.plant_tz
        as_of = context.resources.as_of
        moment = as_of.moment(tz) or end_of_plant_day(as_of.day(tz), tz)
        moment = moment.astimezone(UTC).replace(tzinfo=None)  # the warehouse's naive UTC
        client = getattr(context.resources, oa).client() if oa else None
        with warehouse.connect() as con:
            tasks = run_action_tasks(
                con,
                moment,
                oa=client,
                smtp=smtp_config(settings),
                backoff_minutes=settings.alerts.retry_backoff_minutes,
                address_template=settings.alerts.email.address_template,
                expire_before=moment - timedelta(hours=settings.alerts.send_within_hours),
            )
            stale = queue_stale_sources(con, moment, settings)
            sent = dispatch(con, moment, settings)
        lines = [
            f"tasks: {tasks.queued} queued, {len(tasks.created)} created in OA, "
            f"{len(tasks.mailed)} mailed, {len(tasks.failed)} failed, {tasks.waiting} waiting",
            sent.summary(),
            f"platform: {stale} source freshness message(s) queued",
        ]
        lines += [
            f"task failed ({failure.kind}, try {failure.attempts}, next at "
            f"{failure.next_attempt_at:%Y-%m-%d %H:%M} UTC): {failure.error}"
            for failure in tasks.failed
        ]
        lines += [f"error: {error}" for error in sent.errors]
        lines += [f"warning: {warning}" for warning in sent.warnings]
        for line in lines[3:]:
            context.log.warning(line)
        progress.report("alerts.dispatch", sent.summary())
        return dg.MaterializeResult(
            metadata={
                "tasks_queued": tasks.queued,
                "tasks_created": len(tasks.created),
                "tasks_failed": len(tasks.failed),
                "messages_queued": sent.queued,
                "messages_sent": sent.sent,
                "messages_failed": sent.failed,
                "messages_pending": sent.pending,
                "dispatch_report": "\n".join(lines),
            }
        )

    return _dispatch
