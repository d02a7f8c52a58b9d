"""The dbt project, its manifest and the profile a run uses.

dagster-dbt builds assets from `target/manifest.json`. Loading the Dagster definitions
only reads it (`parsed_manifest()`); `prepare()` writes it (`dbt parse`, when the manifest
is missing or older than any file of the project) and the installation's profile. `make
install`, `perfchain prepare` and `perfchain run` call `prepare()`, so loading definitions
writes nothing. Ship no packages.yml: its presence makes Dagster call dbt deps.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from perfchain.core.errors import PerfchainError
from perfchain.core.settings import REPO_ROOT, Settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
_SOURCES = ("dbt_project.yml", "models", "macros", "seeds", "snapshots", "tests")


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _SOURCES:
        path = DBT_PROJECT_DIR / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            newest = max(newest, file.stat().st_mtime)
    return newest


def _manifest_current() -> bool:
    return MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime()


def parsed_manifest() -> Path:
    """The manifest `prepare()` wrote; an error when it is missing or older than a file
    of the project (the assets would not be the project's)."""
    if _manifest_current():
        return MANIFEST
    state = "is older than the dbt project" if MANIFEST.exists() else "is missing"
    raise PerfchainError(
        f"{MANIFEST} {state}: run `perfchain prepare` (or `make install`) to parse the dbt "
        "project before loading the Dagster definitions"
    )


def ensure_manifest() -> Path:
    """`dbt parse` unless the manifest is current."""
    if _manifest_current():
        return MANIFEST
    # A subprocess, like every dbt call dagster-dbt makes: dbt keeps global state per process.
    command = [
        dbt_executable(),
        "parse",
        "--quiet",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not MANIFEST.exists():
        output = (result.stdout + result.stderr)[-3000:]
        raise PerfchainError(f"dbt parse failed for {DBT_PROJECT_DIR}:\n{output}")
    return MANIFEST


def dbt_executable() -> str:
    """The dbt installed beside this Python (runs need not have the venv on PATH):
    `perfchain-dbt`, dbt that ends with the run that started it (dbt_entry.py), or plain
    dbt in an environment installed before that script existed."""
    for name in ("perfchain-dbt", "dbt"):
        executable = Path(sys.executable).with_name(name)
        if executable.exists():
            return str(executable)
    return "dbt"


def duckdb_threads(dbt_threads: int) -> int:
    """DuckDB threads per query when dbt runs `dbt_threads` queries at once: the cores
    shared out. DuckDB gives every query all cores by default, so dbt's two threads ran
    twice as many DuckDB threads as cores, beside dbt's own Python. On 2 cores, the
    scale-m nightly increment's nodes took 8.7-10.4 s against 10.3-11.1 s with DuckDB's
    default (3 builds each, alternated); a full rebuild, whose longest queries run
    alone, ≈ 8 % longer (23.7-25.0 s against 21.6-23.7 s)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, dbt_threads))


def write_profile(settings: Settings) -> Path:
    """A profiles.yml for this installation: the warehouse path and DuckDB limits of
    perfchain.yaml, so dbt writes exactly the file the extractors load."""
    folder = profiles_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    profile = {
        "perfchain": {
            "target": "prod",
            "outputs": {
                "prod": {
                    "type": "duckdb",
                    "path": str(settings.warehouse_path),
                    "threads": settings.warehouse.threads,
                    # Database-wide, set once when dbt opens the file. dbt-duckdb runs
                    # every `settings` entry as a SET on each new cursor, one per dbt node,
                    # and those SETs wait on the other thread's queries: ≈ 2 s of the
                    # nightly build for the 3 settings that are not per session.
                    "config_options": {
                        "threads": duckdb_threads(settings.warehouse.threads),
                        "memory_limit": settings.warehouse.memory_limit,
                        "preserve_insertion_order": False,
                        "temp_directory": str(settings.home / "duckdb_tmp"),
                    },
                    # Per session; and DuckDB cannot take a time zone before it opens.
                    "settings": {"TimeZone": "UTC"},
                }
            },
        }
    }
    path = folder / "profiles.yml"
    text = yaml.safe_dump(profile, allow_unicode=True, sort_keys=False)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_whole(path, text.encode("utf-8"))
    return folder


def prepare(settings: Settings) -> Path:
    """What loading the definitions reads and must not write: the dbt manifest and this
    installation's profile. Returns the profile's folder."""
    ensure_manifest()
    return write_profile(settings)


def profiles_dir(settings: Settings) -> Path:
    """The folder `write_profile` writes profiles.yml into."""
    return settings.home / "dbt"


def written_profile(settings: Settings) -> Path:
    """The folder of the profile `prepare()` wrote; an error when there is none."""
    folder = profiles_dir(settings)
    if not (folder / "profiles.yml").exists():
        raise PerfchainError(
            f"no dbt profile in {folder}: run `perfchain prepare` (or `make install`) "
            "before loading the Dagster definitions"
        )
    return folder


def write_whole(path: Path, data: bytes) -> None:
    """`path` holds `data` or what it held before, never a part: the next run reads it,
    and a run may stop at any moment."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
