"""The last quality gate's summary, as the reports show it."""

import re
from dataclasses import dataclass
from pathlib import Path

from perfchain.quality_report import latest_summary

_COUNTS = re.compile(r"(\d+) blocking failure\(s\), (\d+) warning\(s\)")


@dataclass(frozen=True)
class GateNote:
    text: str | None

    @property
    def has_issues(self) -> bool:
        """Warnings or failures in the last gate: the brief's footer then says so."""
        if not self.text:
            return False
        match = _COUNTS.search(self.text)
        if match:
            return any(int(count) > 0 for count in match.groups())
        return "Warnings:" in self.text or "Blocking failures:" in self.text

    @property
    def lines(self) -> list[str]:
        return self.text.rstrip("\n").split("\n") if self.text else []


def gate_note(logs_dir: Path | None) -> GateNote:
    return GateNote(latest_summary(logs_dir) if logs_dir else None)
