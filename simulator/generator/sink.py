"""Writing rows: one CSV writer per contract entity, and a timeline for future versions.

``Sink`` owns the open files. ``Timeline`` holds rows that will be written when the
simulation reaches their moment (a sales order's later versions, a shipment's delivery):
the generator streams day by day and only these pending rows of open records stay in
memory. Rows due after the period end are dropped, which is what "the dataset as of its
last day" means.
"""

from __future__ import annotations

import csv
import heapq
from pathlib import Path
from typing import Any

from extractors import contract

Row = tuple[Any, ...]


def _cell(value: Any) -> Any:
    # bool before int: True is an int in Python, but the dataset spells it "true".
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


class Sink:
    """Appends rows to ``<root>/<source>/<entity>.csv`` and counts them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, Any] = {}
        self._writers: dict[str, Any] = {}
        self._columns: dict[str, tuple[str, ...]] = {}
        self.counts: dict[str, int] = {}
        for ent in contract.ENTITIES:
            path = root / ent.path
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(ent.columns)
            key = f"{ent.source}/{ent.name}"
            self._files[key] = handle
            self._writers[key] = writer
            self._columns[key] = tuple(ent.columns)
            self.counts[ent.path] = 0

    def build(self, entity: str, fields: dict[str, Any]) -> Row:
        """A row tuple in contract column order from keyword fields (unknown names raise)."""
        columns = self._columns[entity]
        unknown = fields.keys() - set(columns)
        if unknown:
            raise KeyError(f"{entity} has no column(s) {sorted(unknown)}")
        return tuple(_cell(fields.get(name)) for name in columns)

    def add(self, entity: str, **fields: Any) -> None:
        self._writers[entity].writerow(self.build(entity, fields))
        self.counts[entity + ".csv"] += 1

    def rows(self, entity: str, rows: list[Row]) -> None:
        """Bulk path for the high-volume streams: tuples already in column order."""
        if rows:
            self._writers[entity].writerows(rows)
            self.counts[entity + ".csv"] += len(rows)

    def text(self, entity: str, text: str, rows: int) -> None:
        """Fastest path: rows already rendered as CSV lines (only for fields that can never
        need quoting: codes, numbers, timestamps)."""
        self._files[entity].write(text)
        self.counts[entity + ".csv"] += rows

    def close(self) -> dict[str, int]:
        for handle in self._files.values():
            handle.close()
        return dict(self.counts)


class Timeline:
    """Rows due at a plant-local moment, released in (moment, insertion) order."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self._heap: list[tuple[int, int, str, Row]] = []
        self._seq = 0

    def at(self, t: int, entity: str, **fields: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, entity, self.sink.build(entity, fields)))

    def flush(self, until: int) -> None:
        """Write every row due strictly before ``until``."""
        heap = self._heap
        sink = self.sink
        while heap and heap[0][0] < until:
            _, _, entity, row = heapq.heappop(heap)
            sink._writers[entity].writerow(row)
            sink.counts[entity + ".csv"] += 1

    def __len__(self) -> int:
        return len(self._heap)
