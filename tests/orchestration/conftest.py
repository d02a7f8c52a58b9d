"""The dbt build of the demo factory, shared with tests/warehouse (one per session), and
the prepare step every entry point runs before loading the Dagster definitions."""

from pathlib import Path

import pytest
from filelock import FileLock

from orchestration.defs.warehouse.project import ensure_manifest
from tests.warehouse.conftest import shared_dir, warehouse  # noqa: F401


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dbt parse` when the project changed (what `perfchain prepare` does): loading the
    definitions only reads the manifest. One worker parses; the others wait for it."""
    with FileLock(str(shared_dir(tmp_path_factory) / "dbt_parse.lock")):
        return ensure_manifest()
