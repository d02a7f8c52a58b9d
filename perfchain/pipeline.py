"""`perfchain run`: the nightly Dagster job, executed in this process as of each date.

In-process keeps one writer on the working DuckDB file (SPEC §2) and lets the command
line show progress and exit non-zero with a readable reason.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
import dagster as dg
import duckdb
from tqdm import tqdm

from expectations.summary import render_not_reached, write_summary_text
from orchestration.defs.alerts.platform import report_failed_run
from orchestration.defs.as_of import (
    AS_OF_TAG,
    as_of_run_config,
    earlier_date_refusal,
    plant_yesterday,
    signals_run_config,
)
from orchestration.defs.signals.jobs import SIGNALS_RUN_TAG
from orchestration.defs.warehouse.dbt_standby import standby
from orchestration.defs.warehouse.project import dbt_executable
from orchestration.storage import write_instance_config
from perfchain.core import progress
from perfchain.core.errors import ConfigError, PerfchainError
from perfchain.core.published import remove_stale_temporaries
from perfchain.core.settings import Settings
from perfchain.core.writer import holder, warehouse_writer


class RunFailed(PerfchainError):
    exit_code = 1


@dataclass
class RunSummary:
    dates: list[date] = field(default_factory=list)
    # asset key path → metadata of its last materialization
    materializations: dict[str, dict[str, object]] = field(default_factory=dict)
    run_logs: list[Path] = field(default_factory=list)
    # step key → wall seconds, from the Dagster event log (last run)
    step_seconds: dict[str, float] = field(default_factory=dict)
    run_seconds: list[float] = field(default_factory=list)
    # A signals micro-batch skipped because another run held the warehouse: why.
    skipped: str | None = None
    # Per launch: whether its dbt command ran on the process started on standby.
    dbt_on_standby: list[bool] = field(default_factory=list)

    def total(self, key: str) -> int:
        return sum(int(meta.get(key, 0) or 0) for meta in self.materializations.values())


def dagster_instance(settings: Settings) -> dg.DagsterInstance:
    """A persistent instance under PERFCHAIN_HOME, shared with `make dev`'s UI."""
    home = settings.home / "dagster"
    write_instance_config(home)
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


def date_range(start: date, end: date) -> list[date]:
    if end < start:
        raise PerfchainError(f"--end {end} is before --start {start}")
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def refuse_earlier_date(settings: Settings, run_date: date) -> None:
    """Refuse, before anything runs, a date the warehouse has already moved past
    (orchestration/defs/as_of.py says why; the dbt build refuses it too, for the launches
    that do not pass through here)."""
    if not settings.warehouse_path.exists():
        return
    try:
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            refusal = earlier_date_refusal(
                con, run_date, settings.plant.timezone, settings.schedule.history_start
            )
    except duckdb.IOException:
        # The file is open for writing elsewhere: the run itself says so.
        return
    if refusal:
        raise PerfchainError(refusal)


def refuse_dates_outside_history(settings: Settings, dates: Sequence[date]) -> None:
    """A run's date lies between schedule.history_start and the plant's yesterday: a day
    that has not ended has no complete data, and no source holds any before the start."""
    first, last = settings.schedule.history_start, plant_yesterday(settings.plant.timezone)
    for run_date in dates:
        if not first <= run_date <= last:
            raise PerfchainError(
                f"{run_date} is not a plant date the job can run: dates start at {first} "
                "(schedule.history_start in perfchain.yaml) and end yesterday in the "
                f"plant's time zone ({last})"
            )


def run_pipeline(
    settings: Settings,
    dates: Sequence[date],
    sources: Sequence[str] | None = None,
    show_progress: bool = True,
    extract_only: bool = False,
    full_refresh: bool = False,
) -> RunSummary:
    """Run the nightly job as of each date in turn. `full_refresh`: the first date's run
    is `full_refresh_job` (the incremental models rebuilt from raw), the others nights."""
    from orchestration.definitions import build_definitions
    from orchestration.defs.warehouse.project import prepare
    from perfchain.checkconfig import secret_problems

    if full_refresh and extract_only:
        raise PerfchainError("--full-refresh rebuilds the models: it cannot go with --extract-only")
    refuse_dates_outside_history(settings, dates)
    # A date the warehouse cannot go back to is refused first: no secret makes it runnable.
    if dates and not extract_only:
        # The earliest date decides: a range runs its dates in order, each after the last.
        refuse_earlier_date(settings, min(dates))
    missing = secret_problems(settings, sources)
    if missing:
        raise ConfigError(
            f"{'; '.join(missing)}. Set them in the environment (.env.example lists them); "
            "`perfchain check-config` checks the whole configuration"
        )
    # The manifest and the profile the definitions read (loading them writes nothing).
    prepare(settings)
    defs = build_definitions(settings)
    selection = _selection(defs, sources, extract_only)
    instance = dagster_instance(settings)
    # A killed predecessor's temporary files; kept while another process is publishing.
    remove_stale_temporaries(settings.published_path)
    # The nightly waits its turn (a micro-batch takes a minute); a micro-batch skips.
    with warehouse_writer(
        settings.warehouse_path,
        _job_label(dates),
        wait=True,
        on_wait=lambda who: click.echo(f"waiting: {who} is writing the warehouse", err=True),
    ):
        return _run_dates(
            settings, defs, instance, selection, dates, show_progress, extract_only, full_refresh
        )


def run_signals(
    settings: Settings, at: datetime | None = None, show_progress: bool = True
) -> RunSummary:
    """One signals micro-batch as of `at` (default now): `signals_job` in this process.
    Skipped, with the reason in `skipped`, when another run holds the warehouse."""
    from orchestration.definitions import build_definitions
    from orchestration.defs.warehouse.project import prepare
    from perfchain.checkconfig import secret_problems

    moment = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    if moment > datetime.now(UTC) + timedelta(minutes=1):
        raise PerfchainError(f"--at {at} is in the future")
    prepare(settings)
    defs = build_definitions(settings)
    job = defs.resolve_job_def("signals_job")
    keys = job.asset_layer.selected_asset_keys
    sources = sorted({key.path[1] for key in keys if key.path[0] == "raw"})
    missing = secret_problems(settings, sources)
    if missing:
        raise ConfigError(f"{'; '.join(missing)}. Set them in the environment (.env.example)")
    instance = dagster_instance(settings)
    summary = RunSummary()
    label = f"the signals micro-batch at {moment:%Y-%m-%d %H:%M} UTC"
    with warehouse_writer(settings.warehouse_path, label, wait=False) as acquired:
        if not acquired:
            summary.skipped = f"skipped: {holder(settings.warehouse_path)} is writing the warehouse"
            return summary
        settings.logs_dir.mkdir(parents=True, exist_ok=True)
        run_log = settings.logs_dir / f"signals-{moment:%Y%m%dT%H%M%S}.log"
        summary.run_logs.append(run_log)
        bar = tqdm(
            total=len(keys), desc=f"signals {moment:%H:%M}", unit="step", disable=not show_progress
        )
        result, on_standby = _execute(
            job,
            instance,
            run_log,
            bar,
            run_config=signals_run_config(moment),
            tags={SIGNALS_RUN_TAG: moment.isoformat()},
        )
        _record(summary, instance, result)
        summary.dbt_on_standby.append(on_standby)
        if not result.success:
            reason = _failure(result, run_log)
            when = f"{moment.astimezone(settings.plant.tz):%Y-%m-%d %H:%M}"
            _page_platform(settings, result.run_id, job.name, when, reason, run_log)
            raise RunFailed(f"signals batch at {moment.isoformat()} failed: {reason}")
    return summary


# What dagster-dbt's `DbtCliResource.cli` imports to build its dbt adapter in this process
# before it starts dbt (dagster-dbt's own step, not ours to change).
DBT_ADAPTER_MODULES = (
    "dbt.adapters.factory",
    "dbt.config.runtime",
    "dbt.flags",
    "dbt.adapters.duckdb",
    "dbt.context.providers",
    "dbt.parser.manifest",
)
# What the quality gate's step imports (Great Expectations and the suites): ≈ 2.1 s of the
# gate's ≈ 6.4 s at scale m, spent on the run's path while dbt's data is long ready.
GATE_MODULES = ("expectations.gate", "expectations.registry")


def _import_in_background(modules: Sequence[str]) -> threading.Thread:
    """Import `modules` in a background thread while the job's first steps (extraction:
    HTTP pages, landing, loading; mostly waiting on the sources) run. Imported on the path
    of the step that needs them, dbt's adapter modules cost ≈ 1.1 s of the ≈ 1.5 s before
    dbt starts and the gate's ≈ 2.1 s (2 cores, idle); imported here they overlap with
    extraction, and the steps find them in `sys.modules`."""

    def load() -> None:
        for name in modules:
            importlib.import_module(name)

    thread = threading.Thread(target=load, name="perfchain-step-imports", daemon=True)
    thread.start()
    return thread


def _execute(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    run_log: Path,
    bar: tqdm,
    *,
    run_config: dict[str, object],
    tags: dict[str, str],
    selection: list[dg.AssetKey] | None = None,
    preload: Sequence[str] = DBT_ADAPTER_MODULES,
    dbt: bool = True,
) -> tuple[dg.ExecuteInProcessResult, bool]:
    """One launch of `job` in this process, its progress on `bar`. dbt's console output and
    Dagster's (a failed step's stack and causes) go to the run log; the terminal keeps the
    progress bar and, on failure, one line. The full event log is in the Dagster instance
    (make dev shows it). `dbt`: the launch builds models, so a dbt process is started on
    standby with it (dbt_standby.py); the second value says whether the build ran on it."""
    progress.listen(lambda step, detail: (bar.set_postfix_str(step), bar.update(1)))
    _import_in_background(preload)
    try:
        with (
            open(run_log, "w", encoding="utf-8") as log,
            redirect_stdout(log),
            redirect_stderr(log),
            standby(dbt_executable(), enabled=dbt, output=log) as waiting,
        ):
            result = job.execute_in_process(
                instance=instance,
                asset_selection=selection,
                raise_on_error=False,
                run_config={
                    "loggers": {"console": {"config": {"log_level": "WARNING"}}},
                    **run_config,
                },
                tags=tags,
            )
        if result.success:
            bar.update(bar.total - bar.n)  # steps that report nothing still finished
    finally:
        progress.listen(None)
        bar.close()
    return result, waiting is not None and waiting.served


def _record(
    summary: RunSummary, instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult
) -> None:
    """The run's step and wall times and what each asset it materialised reported."""
    summary.step_seconds = _step_seconds(instance, result.run_id)
    summary.run_seconds.append(_run_seconds(instance, result.run_id))
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        summary.materializations["/".join(materialization.asset_key.path)] = {
            key: value.value for key, value in materialization.metadata.items()
        }


def _job_label(dates: Sequence[date]) -> str:
    return f"the nightly run as of {dates[-1]}" if dates else "the nightly run"


def _run_dates(
    settings: Settings,
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    selection: list[dg.AssetKey] | None,
    dates: Sequence[date],
    show_progress: bool,
    extract_only: bool,
    full_refresh: bool,
) -> RunSummary:
    summary = RunSummary()
    steps = len(selection or defs.resolve_asset_graph().executable_asset_keys)
    for index, run_date in enumerate(dates):
        job = defs.resolve_job_def(
            "full_refresh_job" if full_refresh and index == 0 else "nightly_job"
        )
        bar = tqdm(total=steps, desc=f"run {run_date}", unit="step", disable=not show_progress)
        settings.logs_dir.mkdir(parents=True, exist_ok=True)
        run_log = settings.logs_dir / f"run-{run_date}-{datetime.now():%Y%m%dT%H%M%S}.log"
        summary.run_logs.append(run_log)
        result, on_standby = _execute(
            job,
            instance,
            run_log,
            bar,
            run_config=as_of_run_config(run_date),
            tags={AS_OF_TAG: run_date.isoformat()},
            selection=selection,
            preload=() if extract_only else (*DBT_ADAPTER_MODULES, *GATE_MODULES),
            dbt=not extract_only,
        )
        _record(summary, instance, result)
        summary.dbt_on_standby.append(on_standby)
        summary.dates.append(run_date)
        if not result.success:
            reason = _failure(result, run_log)
            if not extract_only:
                _summary_when_gate_not_reached(settings, result.run_id, run_date, reason)
            # The gate's blocking checks, or dbt data tests that stopped the build before
            # it: either way the quality summary names them with their rows.
            if reason.startswith("quality_gate") or (
                reason.startswith("warehouse_models") and "dbt test " in reason
            ):
                reason += (
                    f"\nNothing was published. Failing checks with sample rows: "
                    f"{settings.logs_dir / 'quality-latest.txt'}"
                )
            _page_platform(settings, result.run_id, job.name, str(run_date), reason, run_log)
            raise RunFailed(f"run for {run_date} failed: {reason}")
    return summary


def _page_platform(
    settings: Settings, run_id: str, job: str, what: str, reason: str, run_log: Path
) -> None:
    """A failed run (a blocked gate included) is a platform alert, sent now (SPEC §8.6):
    the in-process run is seen by no sensor. What was sent goes to the terminal on its own
    line, after the run's error (click's stderr); the error itself stays the run's."""
    for line in report_failed_run(
        settings, run_id=run_id, job=job, what=what, reason=reason, log_path=run_log
    ):
        click.echo(line, err=True)


def _summary_when_gate_not_reached(
    settings: Settings, run_id: str, run_date: date, reason: str
) -> None:
    """A failed run whose gate and dbt tests wrote no quality summary (it failed before
    them) still replaces `quality-latest.txt`: the previous run's verdict must not read as
    this run's."""
    if (settings.logs_dir / f"quality-{run_id}.txt").exists():
        return
    write_summary_text(
        run_id, render_not_reached(run_id, run_date.isoformat(), reason), settings.logs_dir
    )


def _selection(
    defs: dg.Definitions, sources: Sequence[str] | None, extract_only: bool
) -> list[dg.AssetKey] | None:
    """`--source` limits extraction (what runs downstream is unchanged); `extract_only`
    stops after extraction, e.g. to backfill raw before a model change."""
    if not sources and not extract_only:
        return None
    executable = defs.resolve_asset_graph().executable_asset_keys
    extract = {key for key in executable if key.path[0] == "raw"}
    known = {key.path[1] for key in extract}
    unknown = sorted(set(sources or ()) - known)
    if unknown:
        raise PerfchainError(
            f"unknown source(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    chosen = {key for key in extract if not sources or key.path[1] in sources}
    if not extract_only:
        chosen |= executable - extract
    return sorted(chosen, key=lambda key: key.to_user_string())


def _step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif (
            event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started
        ):
            seconds[event.step_key] = entry.timestamp - started[event.step_key]
    return seconds


def _run_seconds(instance: dg.DagsterInstance, run_id: str) -> float:
    stamps = [entry.timestamp for entry in instance.all_logs(run_id)]
    return max(stamps) - min(stamps) if stamps else 0.0


def _failure(result: dg.ExecuteInProcessResult, run_log: Path) -> str:
    """The first failed step and its error: ours are one line that names what is wrong
    and what to do. Stacks and causes are in the run log, not on the terminal."""
    failures = [
        event
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error
    ]
    if not failures:
        return f"see the run log {run_log}"
    first = failures[0]
    error = first.step_failure_data.error  # type: ignore[union-attr]
    # The first error below Dagster's wrappers is ours: it names source, entity and request.
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    message = error.message.strip()
    qualified, _, text = message.partition(": ")
    ours = qualified.split(".")[0] in ("extractors", "perfchain", "orchestration", "expectations")
    if ours or error.cls_name == "Failure":
        message = text  # our own errors read as sentences; others keep their class name
    more = len({event.step_key for event in failures}) - 1
    also = f" ({more} more step(s) failed)" if more else ""
    return f"{first.step_key}: {message}{also}. Run log: {run_log}"


def print_summary(summary: RunSummary, settings: Settings) -> None:
    click.echo(
        f"extracted {summary.total('rows_loaded'):,} rows "
        f"({summary.total('rows_quarantined'):,} quarantined) "
        f"over {len(summary.dates)} day(s) into {settings.warehouse_path}"
    )
    quarantined = {
        key: meta["rows_quarantined"]
        for key, meta in summary.materializations.items()
        if int(meta.get("rows_quarantined", 0) or 0)
    }
    for key, count in sorted(quarantined.items()):
        click.echo(f"  quarantined {count:>6} in {key} (see raw._quarantine)")
    # Held records are retried every night until a good version loads: listed until then,
    # as the last extraction of each entity left them.
    for _, meta in sorted(summary.materializations.items()):
        for line in str(meta.get("open_quarantine") or "").splitlines():
            click.echo(f"  open quarantine: {line}")
    for key, meta in sorted(summary.materializations.items()):
        for warning in str(meta.get("warnings") or "").splitlines():
            click.echo(f"  warning: {key}: {warning}")
    published = summary.materializations.get("published/perfchain")
    if published:
        click.echo(f"published {settings.published_path} (data through {summary.dates[-1]})")
    if summary.run_logs:
        click.echo(f"run log: {summary.run_logs[-1]}")


def print_signals_summary(summary: RunSummary, settings: Settings) -> None:
    if summary.skipped:
        click.echo(summary.skipped)
        return
    click.echo(
        f"signals batch: extracted {summary.total('rows_loaded'):,} rows "
        f"({summary.total('rows_quarantined'):,} quarantined) in "
        f"{summary.run_seconds[-1]:.0f} s"
    )
    for key, meta in sorted(summary.materializations.items()):
        for line in str(meta.get("dispatch_report") or "").splitlines():
            click.echo(f"  {line}")
        for warning in str(meta.get("warnings") or "").splitlines():
            click.echo(f"  warning: {key}: {warning}")
    if summary.run_logs:
        click.echo(f"run log: {summary.run_logs[-1]}")


def parse_dates(run_date: date | None, start: date | None, end: date | None, tz: str) -> list[date]:
    if run_date and (start or end):
        raise PerfchainError("give either --date or --start/--end, not both")
    if start or end:
        if not (start and end):
            raise PerfchainError("--start and --end go together")
        return date_range(start, end)
    if run_date:
        return [run_date]
    return [plant_yesterday(tz)]
