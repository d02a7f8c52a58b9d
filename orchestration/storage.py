"""The Dagster instance of an installation: Dagster's own local SQLite storage under
`$PERFCHAIN_HOME/dagster`, with usage telemetry off (nothing leaves the machine).

The storage is Dagster's default, configured only through `dagster.yaml`: its database
files, schema and WAL mode are what the webserver of `make dev` reads while a run writes.
"""

from __future__ import annotations

import json
from pathlib import Path

# Named, not __name__: `make dev` runs this file as __main__ to write the config.
MODULE = "orchestration.storage"
TELEMETRY_OFF = "telemetry:\n  enabled: false\n"
# Every job that writes the working warehouse carries this tag; the run queue starts one
# run per value at a time (DuckDB allows one writing process per file): a micro-batch due
# while the nightly run writes waits in the queue instead of failing on the file's lock.
WRITER_TAG = "perfchain/writer"
WRITER_TAGS = {WRITER_TAG: "warehouse"}
RUN_QUEUE = f"run_queue:\n  tag_concurrency_limits:\n    - key: {WRITER_TAG}\n      limit: 1\n"


def instance_config(home: Path) -> str:
    """dagster.yaml for a Dagster home: no usage telemetry, Dagster's default storage, one
    warehouse writer at a time."""
    return TELEMETRY_OFF + RUN_QUEUE


def write_instance_config(home: Path) -> Path:
    """Writes `home/dagster.yaml` unless the file is the user's own: a missing file, or one
    perfchain wrote before (an earlier one also named an event log storage of its own), is
    (re)written."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    ours = {TELEMETRY_OFF, TELEMETRY_OFF + RUN_QUEUE, _pooled_config(home)}
    if not config.exists() or config.read_text(encoding="utf-8") in ours:
        config.write_text(instance_config(home), encoding="utf-8")
    return config


def _pooled_config(home: Path) -> str:
    """The dagster.yaml earlier perfchain versions wrote: their own event log class, which
    no longer exists, so the file is replaced rather than left to fail on load."""
    return (
        TELEMETRY_OFF
        + "event_log_storage:\n"
        + f"  module: {MODULE}\n"
        + "  class: PooledSqliteEventLogStorage\n"
        + "  config:\n"
        + f"    base_dir: {json.dumps(str(home.resolve() / 'history' / 'runs'))}\n"
    )


if __name__ == "__main__":  # `make dev`: python -m orchestration.storage <DAGSTER_HOME>
    import sys

    write_instance_config(Path(sys.argv[1]))
