"""`perfchain validate-dataset`: the simulator's check of a dataset folder, plus its Excel drop.

The simulator serves the CSV files and checks them itself before it starts
(simulator/server/validate.py); the Excel drop is read by the `excel` source from
the folder perfchain.yaml names, so it is checked here, the way a run reads it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from extractors.excel.departments import department_problems
from extractors.excel.schema import TARGETS_FILE
from perfchain.checkconfig import check_targets
from simulator.server.validate import dataset_problems


def validate_dataset(root: Path) -> list[str]:
    """Every problem of the dataset at ``root`` (docs/dataset.md), one line each."""
    problems = [str(problem) for problem in dataset_problems(root)]
    drop = root / "excel"
    if not (drop / TARGETS_FILE).is_file():
        return [*problems, f"excel/{TARGETS_FILE}: missing: the Excel drop needs it at least"]
    problems += [f"excel/{problem}" for problem in check_targets(drop, echo=False)]
    # Department workbooks are read as kept; the manifest's list says which belong here.
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        listed = manifest.get("excel")
    except (OSError, ValueError, AttributeError):
        manifest, listed = {}, None  # no manifest, or one the simulator's check already named
    for name in listed if isinstance(listed, list) else []:
        if isinstance(name, str) and not (drop / name).is_file():
            problems.append(f"excel/{name}: missing (listed in manifest.json)")
    # The dataset's period is complete: every month of it owes its sheet, the last too.
    first, through = _period(manifest)
    problems += [
        f"excel/{problem}"
        for problem in department_problems(drop, first, through, open_month_warns=False)
    ]
    return problems


def _period(manifest: dict) -> tuple[date | None, date | None]:
    """The manifest's `start` and `end`; none when missing or unreadable (headers are
    still checked, month sheets are not)."""
    try:
        return date.fromisoformat(manifest["start"]), date.fromisoformat(manifest["end"])
    except (KeyError, TypeError, ValueError):
        return None, None
