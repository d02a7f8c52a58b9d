"""`perfchain validate-dataset`: the simulator's check of a dataset folder, plus its Excel drop.

The simulator serves the CSV files and checks them itself before it starts
(extractors/simulator/server/validate.py); the Excel drop is read by the `excel` source from
the folder perfchain.yaml names, so it is checked here, the way a run reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

from extractors.excel.schema import TARGETS_FILE
from extractors.simulator.server.validate import dataset_problems
from perfchain.checkconfig import check_targets


def validate_dataset(root: Path) -> list[str]:
    """Every problem of the dataset at ``root`` (docs/dataset.md), one line each."""
    problems = [str(problem) for problem in dataset_problems(root)]
    drop = root / "excel"
    if not (drop / TARGETS_FILE).is_file():
        return [*problems, f"excel/{TARGETS_FILE}: missing: the Excel drop needs it at least"]
    problems += [f"excel/{problem}" for problem in check_targets(drop, echo=False)]
    # Department workbooks are read as kept; the manifest's list says which belong here.
    try:
        listed = json.loads((root / "manifest.json").read_text(encoding="utf-8")).get("excel")
    except (OSError, ValueError, AttributeError):
        listed = None  # no manifest, or one the simulator's check already named
    for name in listed if isinstance(listed, list) else []:
        if isinstance(name, str) and not (drop / name).is_file():
            problems.append(f"excel/{name}: missing (listed in manifest.json)")
    return problems
