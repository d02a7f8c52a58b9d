"""What the gate found, as plain dataclasses: no Great Expectations import, so publishing
and the Dagster publish step can read a gate result cheaply (`gate.json`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

Status = Literal["passed", "failed", "skipped", "error"]


@dataclass
class CheckResult:
    suite: str
    name: str
    severity: str
    reason: str
    status: Status
    observed: str | None = None
    unexpected_count: int | None = None
    sample_rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "error")

    @property
    def blocks(self) -> bool:
        return self.failed and self.severity == "blocking"


@dataclass
class SuiteResult:
    mart: str
    row_count: int | None
    checks: list[CheckResult]

    @property
    def blocked(self) -> bool:
        return any(check.blocks for check in self.checks)

    @property
    def warned(self) -> bool:
        return any(check.failed and not check.blocks for check in self.checks)


@dataclass
class GateResult:
    run_id: str
    data_through: date
    suites: list[SuiteResult]
    docs_path: Path | None = None
    summary: str = ""
    seconds: float = 0.0

    @property
    def checks(self) -> list[CheckResult]:
        return [check for suite in self.suites for check in suite.checks]

    @property
    def passed(self) -> bool:
        """True when no blocking check failed: the marts may be published."""
        return not self.blocking_failures

    @property
    def blocking_failures(self) -> list[CheckResult]:
        return [check for check in self.checks if check.blocks]

    @property
    def warnings(self) -> list[CheckResult]:
        return [check for check in self.checks if check.failed and not check.blocks]

    @property
    def row_counts(self) -> dict[str, int]:
        return {suite.mart: suite.row_count for suite in self.suites if suite.row_count is not None}

    def to_json(self) -> str:
        payload = asdict(self)
        payload["data_through"] = self.data_through.isoformat()
        payload["docs_path"] = str(self.docs_path) if self.docs_path else None
        return json.dumps(payload, ensure_ascii=False, indent=1, default=str)

    @classmethod
    def from_json(cls, text: str) -> GateResult:
        payload = json.loads(text)
        suites = [
            SuiteResult(
                mart=suite["mart"],
                row_count=suite["row_count"],
                checks=[CheckResult(**check) for check in suite["checks"]],
            )
            for suite in payload["suites"]
        ]
        return cls(
            run_id=payload["run_id"],
            data_through=date.fromisoformat(payload["data_through"]),
            suites=suites,
            docs_path=Path(payload["docs_path"]) if payload["docs_path"] else None,
            summary=payload["summary"],
            seconds=payload["seconds"],
        )


GATE_FILE = "gate.json"


def load_gate_result(out_dir: Path) -> GateResult | None:
    """The gate result a run wrote into `out_dir`, if any (the publish step reads it)."""
    path = out_dir / GATE_FILE
    return GateResult.from_json(path.read_text(encoding="utf-8")) if path.exists() else None
