"""The short data-quality summary: for the run log, `$PERFCHAIN_HOME/logs/` and the next
report drop. It names each failing check, why it matters, what was observed and up to five
sample rows; the Data Docs page holds the full detail.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from expectations.gate import CheckResult, GateResult

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


def write_summary(result: GateResult, logs_dir: Path) -> Path:
    """Write the summary as `quality-<run_id>.txt` and as the latest one the reports read."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / f"quality-{result.run_id}.txt"
    path.write_text(result.summary, encoding="utf-8")
    (logs_dir / LATEST).write_text(result.summary, encoding="utf-8")
    return path


def latest_summary(logs_dir: Path) -> str | None:
    """The last gate's summary, for the next report drop."""
    path = logs_dir / LATEST
    return path.read_text(encoding="utf-8") if path.exists() else None
