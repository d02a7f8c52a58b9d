"""What the reports say about data quality: the gate of the data they show, as the
published file records it (`meta.publish_log`, expectations/publish.py), never a log file. A
report built from a copy of the published file alone says the same as at the plant."""

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from reports.common import queries


@dataclass(frozen=True)
class GateNote:
    # The published data's gate, in the words of the quality summary; empty when the file
    # records no publish.
    lines: list[str]
    warnings: int = 0

    @property
    def has_issues(self) -> bool:
        """Warnings in the published data's gate: the brief's footer then says so
        (blocking failures never publish)."""
        return self.warnings > 0

    @property
    def text(self) -> str | None:
        return "\n".join(self.lines) if self.lines else None


def gate_note(con: duckdb.DuckDBPyConnection) -> GateNote:
    """The gate of the latest publish (or rollback) of the file `con` reads."""
    publish = queries.latest_publish(con)
    if publish is None:
        return GateNote([])
    checks = _checks(publish.get("checks"))
    warnings = [check for check in checks if check.get("status") in ("failed", "error")]
    passed = publish.get("checks_passed") or 0
    failed = publish.get("checks_failed") or 0
    lines = [
        f"Quality gate PASSED for data through {publish['data_through']} "
        f"(run {publish['run_id']}): {passed}/{passed + failed} checks passed, 0 blocking "
        f"failure(s), {failed} warning(s).",
    ]
    if warnings:
        lines += ["", "Warnings:"]
        for check in warnings:
            lines.append(
                f"- {check.get('suite')}.{check.get('check')} [{check.get('severity')}]"
                + (f": {check['reason']}" if check.get("reason") else "")
            )
            if check.get("error"):
                lines.append(f"    error: {check['error']}")
            elif check.get("observed") is not None:
                lines.append(f"    observed: {check['observed']}")
            for row in check.get("rows") or []:
                cells = ", ".join(f"{key}={value}" for key, value in row.items())
                lines.append(f"    row: {cells}")
    return GateNote(lines, max(failed, len(warnings)))


def _checks(value: Any) -> list[dict[str, Any]]:
    if not value:
        return []
    parsed = json.loads(value) if isinstance(value, str) else value
    return [check for check in parsed if isinstance(check, dict)]
