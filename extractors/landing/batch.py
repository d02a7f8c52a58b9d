"""One landed batch as the load sees it: the entity, the batch id, the manifest and the
landing files (extractors/landing/files.py wrote them), and what loading it gave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from extractors.contract import Entity
from extractors.landing.raw import sql_str


@dataclass(frozen=True)
class LoadResult:
    batch_id: str
    rows_loaded: int
    rows_quarantined: int
    high_water_mark: datetime | None
    already_loaded: bool = False


@dataclass(frozen=True)
class LandedBatch:
    entity: Entity
    batch_id: str
    manifest: dict[str, Any]
    files: list[Path]
    plant_tz: str

    @property
    def file_list(self) -> str:
        return "[" + ", ".join(sql_str(str(p)) for p in self.files) + "]"

    @property
    def extracted_at(self) -> str:
        """When the batch's extraction began (its rows' `_extracted_at`): known before the
        first row lands, so rows can load while later pages are still coming. Batches
        landed before manifests recorded it use their end."""
        return self.manifest.get("started_at") or self.manifest["finished_at"]

    @property
    def window(self) -> tuple[str | None, str | None]:
        """The `since` and `until` the batch was asked for (None: open on that side)."""
        since, until = self.manifest.get("since"), self.manifest.get("until")
        return (str(since) if since else None, str(until) if until else None)

    @property
    def meta_columns(self) -> str:
        """`_batch_id`, `_extracted_at`, `_source` of every row of the batch."""
        return (
            f"{sql_str(self.batch_id)}, {sql_str(self.extracted_at)}::timestamptz, "
            f"{sql_str(self.entity.source)}"
        )

    @property
    def objects(self) -> str:
        return f"read_json_objects({self.file_list}, format = 'newline_delimited')"


Counts = tuple[int, int, datetime | None]
