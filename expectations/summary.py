"""The short data-quality summary: for the run log and `$PERFCHAIN_HOME/logs/`. It names
each failing check, why it matters, what was observed and up to five sample rows; the Data
Docs page holds the full detail. `quality-latest.txt` always describes the latest run: the
gate's verdict, BLOCKED by the dbt data tests that stopped the build before the gate
(`render_build_blocked`), or NOT RUN when `perfchain run` failed before either
(`render_not_reached`). Reports do not read it: they
take the quality facts of what they show from the published file's `meta.publish_log`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from expectations.results import CheckResult, GateResult

LATEST = "quality-latest.txt"


def render_summary(result: GateResult) -> str:
    checks = result.checks
    counted = [check for check in checks if check.status != "skipped"]
    passed = sum(check.status == "passed" for check in counted)
    verdict = "PASSED" if result.passed else "BLOCKED"
    lines = [
        f"Quality gate {verdict} for data through {result.data_through} (run {result.run_id}): "
        f"{passed}/{len(counted)} checks passed, {len(result.blocking_failures)} blocking "
        f"failure(s), {len(result.warnings)} warning(s).",
    ]
    if not result.passed:
        lines.append("Nothing was published; the last good published file is unchanged.")
    for title, failures in (
        ("Blocking failures", result.blocking_failures),
        ("Warnings", result.warnings),
    ):
        if failures:
            lines.append("")
            lines.append(f"{title}:")
            for check in failures:
                lines.extend(_describe(check))
    if result.docs_path:
        lines.append("")
        lines.append(f"Data Docs: {result.docs_path}")
    return "\n".join(lines) + "\n"


def _describe(check: CheckResult) -> list[str]:
    lines = [f"- {check.suite}.{check.name} [{check.severity}]: {check.reason}"]
    if check.error:
        lines.append(f"    error: {check.error}")
    elif check.observed is not None:
        lines.append(f"    observed: {check.observed}")
    for row in check.sample_rows:
        cells = ", ".join(f"{key}={value}" for key, value in row.items())
        lines.append(f"    row: {cells}")
    return lines


def render_build_blocked(
    run_id: str, data_through: str, failed: Sequence[tuple[str, Sequence[str]]]
) -> str:
    """The summary of a run whose dbt data tests stopped the build: the gate never ran.

    `failed`: per failed test, its headline and the lines of its first failing rows
    (orchestration/defs/warehouse/failures.py, which says where each row came from)."""
    lines = [
        f"Quality gate BLOCKED for data through {data_through} (run {run_id}): "
        f"{len(failed)} dbt data test(s) failed in the warehouse build; the gate's checks "
        "did not run.",
        "Nothing was published; the last good published file is unchanged.",
        "",
        "Blocking failures:",
    ]
    for headline, rows in failed:
        lines.append(f"- {headline}")
        lines.extend(f"    row: {row}" for row in rows)
    return "\n".join(lines) + "\n"


def render_not_reached(run_id: str, data_through: str, reason: str) -> str:
    """The summary of a run that failed before its data could be judged (a source that
    could not be read, a model that did not build): no gate, nothing published."""
    return (
        f"Quality gate NOT RUN for data through {data_through} (run {run_id}): the run failed "
        f"before the gate.\n"
        "Nothing was published; the last good published file is unchanged.\n\n"
        f"Failure: {reason}\n"
    )


def write_summary(result: GateResult, logs_dir: Path) -> Path:
    """Write the gate's summary as `quality-<run_id>.txt` and as `quality-latest.txt`."""
    return write_summary_text(result.run_id, result.summary, logs_dir)


def write_summary_text(run_id: str, text: str, logs_dir: Path) -> Path:
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / f"quality-{run_id}.txt"
    path.write_text(text, encoding="utf-8")
    (logs_dir / LATEST).write_text(text, encoding="utf-8")
    return path
