"""Failed runs and blocked gates as platform alerts (SPEC §8.6, alerts/platform.py).

Where a failure is detected, and why there. A failed night must page someone the moment
it fails, not at the next batch's dispatch (which may be 15 minutes away, or, for a
night, never before the morning's reports are missing), and a run that failed has no
fresh alert models to read. So the failure is reported by whatever saw the run end:

- `perfchain run` / `perfchain signals` (perfchain/pipeline.py) execute the job in their
  own process; no sensor would see it in time (or at all without a daemon), so their
  error path calls `report_failed_run`;
- runs the daemon launches (the nightly schedule, the signals schedule, a launch from
  the UI) are seen by `platform_failure_sensor`, Dagster's run-failure sensor, which
  calls the same function.

Both may see the same run (a daemon watching the instance `perfchain run` writes to):
the message key is the run id, so it goes out once. A run the quality gate blocked is one
of these failures; its message names the failing blocking checks (the gate result the
checks wrote under quality/<run id>/) instead of the step's error.

Reporting never raises: a failed run's error must reach the operator even when the
platform channel is down; what could not be queued or sent is returned as a line to print.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from alerts.platform import platform_configured, queue_failed_run, send_now
from expectations.results import load_gate_result
from orchestration.defs.as_of import AS_OF_TAG
from orchestration.defs.quality.checks import quality_run_dir
from orchestration.defs.signals.jobs import SIGNALS_RUN_TAG
from perfchain.core.settings import Settings
from perfchain.core.writer import warehouse_writer


def failing_checks(settings: Settings, run_id: str) -> list[str]:
    """`mart.check` of each failed blocking check of the run's gate; [] when the gate did
    not run or passed."""
    gate = load_gate_result(quality_run_dir(str(settings.home / "quality"), run_id))
    if gate is None:
        return []
    return [f"{check.suite}.{check.name}" for check in gate.blocking_failures]


def report_failed_run(
    settings: Settings,
    *,
    run_id: str,
    job: str,
    what: str,
    reason: str,
    log_path: Path | None = None,
    at: datetime | None = None,
    hold_writer: bool = False,
    **dispatch_options: object,
) -> list[str]:
    """Queue the run's platform alert (once per run id) and send it now. Returns lines
    for the operator: what was sent, or why the alert could not go out.
    `hold_writer`: take the warehouse writer lock first (the sensor, outside any run);
    `perfchain run` already holds it."""
    moment = at or datetime.now(UTC)
    if not platform_configured(settings):
        return []
    try:
        checks = failing_checks(settings, run_id)
        if hold_writer:
            with warehouse_writer(
                settings.warehouse_path, f"the platform alert of run {run_id}", wait=True
            ):
                return _queue_and_send(
                    settings, run_id, job, what, reason, checks, log_path, moment, dispatch_options
                )
        return _queue_and_send(
            settings, run_id, job, what, reason, checks, log_path, moment, dispatch_options
        )
    except Exception as error:  # noqa: BLE001 - the run's own error must still be shown
        return [f"platform alert of run {run_id} not sent: {error}"]


def _queue_and_send(
    settings: Settings,
    run_id: str,
    job: str,
    what: str,
    reason: str,
    checks: Sequence[str],
    log_path: Path | None,
    moment: datetime,
    dispatch_options: dict[str, object],
) -> list[str]:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        queued = queue_failed_run(
            con,
            settings,
            run_id=run_id,
            job=job,
            what=what,
            reason=reason,
            failed_at=moment,
            failing_checks=checks,
            log_path=str(log_path) if log_path else None,
        )
        result = send_now(con, settings, moment, **dispatch_options)
    lines = [
        f"platform alert ({settings.alerts.platform_channel}): {queued} queued, "
        + (f"{result.sent} sent in {result.posts} message(s)")
    ]
    lines += [f"platform alert error: {error}" for error in result.errors]
    return lines


def build_platform_failure_sensor(
    settings: Settings,
    jobs: Sequence[Any],  # job definitions, resolved or not (define_asset_job's)
) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="platform_failure_sensor",
        monitored_jobs=list(jobs),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="A failed nightly run or signals micro-batch (a blocked quality gate "
        "included) becomes one platform alert on alerts.platform_channel (SPEC §8.6).",
    )
    def _platform_failure(context: dg.RunFailureSensorContext) -> None:
        run = context.dagster_run
        tags = run.tags or {}
        what = tags.get(AS_OF_TAG) or tags.get(SIGNALS_RUN_TAG) or run.run_id[:8]
        lines = report_failed_run(
            settings,
            run_id=run.run_id,
            job=run.job_name,
            what=what,
            reason=context.failure_event.message or "",
            hold_writer=True,
        )
        for line in lines:
            context.log.info(line)

    return _platform_failure
