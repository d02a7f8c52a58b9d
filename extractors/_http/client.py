"""What every source client offers the runner: pages of records for one entity."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from extractors.simulator.schema import Entity


@dataclass
class Window:
    """What to fetch: records changed after `since` up to `until` (both UTC, None = open).

    Stream sources (MTConnect) resume from `cursor` instead and leave the next one in
    `next_cursor`, which the runner stores with the batch.
    """

    since: datetime | None = None
    until: datetime | None = None
    cursor: dict[str, Any] | None = None
    next_cursor: dict[str, Any] | None = field(default=None)


def iso_utc(moment: datetime) -> str:
    """`2026-01-31T16:00:00Z`: the instant form both SOQL and our REST APIs take."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SourceClient(Protocol):
    source: str

    def extract(self, entity: Entity, window: Window) -> Iterator[list[dict[str, Any]]]:
        """Yield pages of records exactly as the source sent them (flattened, not renamed)."""
        ...

    @property
    def requests_made(self) -> int: ...
