"""The simulator's store serves a list's pages in its order (version time, key) when the
entity spans many row groups, whether a page reads a run of positions as it lies in the
table or looks its positions up (records with later versions leave gaps)."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest

from extractors.contract import entity
from simulator.server.store import DataStore, ResultKey, Window

pytestmark = pytest.mark.slow  # serves a dataset large enough for several row groups

MEASURES = entity("qms", "line_measures")
RECORDS = 300_000  # a DuckDB row group holds 122,880 rows: the table spans three
REVISED = 1_000  # the last records, saved again later: pages near the end have gaps
PAGE = 50_000


def _dataset(folder: Path) -> list[str]:
    """A line measures file in shuffled order; the ids in the order they are served."""
    start = datetime.fromisoformat("2026-01-01T00:00:00+08:00")
    rows = []
    for i in range(RECORDS):
        # Every ten records share a time stamp: the key orders them.
        updated = (start + timedelta(seconds=i // 10)).isoformat()
        rows.append([f"M{RECORDS - i:07d}", updated])
    for measure_id, _ in rows[-REVISED:]:
        rows.append([measure_id, (start + timedelta(days=30)).isoformat()])
    served = [
        measure_id
        for measure_id, _ in sorted(rows[: RECORDS - REVISED], key=lambda r: (r[1], r[0]))
    ] + sorted(measure_id for measure_id, _ in rows[-REVISED:])
    random.Random(7).shuffle(rows)
    (folder / "qms").mkdir(parents=True)
    with (folder / MEASURES.path).open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow([f.name for f in MEASURES.fields])
        for measure_id, updated in rows:
            values = {"measure_id": measure_id, "updated_at": updated, "value": "1.5"}
            out.writerow([values.get(f.name, "") for f in MEASURES.fields])
    return served


def test_pages_come_in_serving_order_across_row_groups(tmp_path: Path) -> None:
    served = _dataset(tmp_path)
    store = DataStore(tmp_path)
    window = Window(as_of=datetime.fromisoformat("2026-03-01T00:00:00+08:00"))
    result = store.result(ResultKey("qms/line_measures", "flat", window))
    assert result.total == RECORDS

    pages = [store.page_lines(result, lo, PAGE, "_json") for lo in range(0, RECORDS, PAGE)]
    got = [orjson.loads(line)["measure_id"] for page in pages for line in page.splitlines()]
    assert got == served
