"""The warehouse built once on the 45-day demo factory, shared by the dbt tests.

The build is expensive (about a minute), so it happens once per test session - and once
across pytest-xdist workers: the first worker to take the lock builds into a directory
all workers share, the others wait and reuse it. Tests open the warehouse read-only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

from tests.conftest import shared_dir as session_dir

REPO = Path(__file__).resolve().parents[2]
PROJECT_DIR = REPO / "dbt_project"


@dataclass(frozen=True)
class DbtRun:
    returncode: int
    output: str
    results: list[dict]

    def count(self, resource: str, status: str) -> int:
        return sum(
            1
            for r in self.results
            if r["unique_id"].split(".")[0] == resource and r["status"] == status
        )


@dataclass(frozen=True)
class Warehouse:
    path: Path
    data_dir: Path
    build: DbtRun

    def connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(self.path), read_only=True)
        con.execute("set TimeZone = 'UTC'")
        return con

    @property
    def planted(self) -> dict:
        return json.loads((self.data_dir / "planted.json").read_text())


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(warehouse: Path, work_dir: Path, *args: str) -> DbtRun:
    """Run dbt against `warehouse` with target and logs inside `work_dir`."""
    target = work_dir / "target"
    env = dict(
        os.environ,
        PERFCHAIN_WAREHOUSE=str(warehouse),
        PERFCHAIN_DUCKDB_TEMP=str(work_dir / "duckdb_tmp"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    proc = subprocess.run(
        [
            dbt_executable(),
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(work_dir / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    results_file = target / "run_results.json"
    results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
    return DbtRun(proc.returncode, proc.stdout + proc.stderr, results)


def load_raw(warehouse: Path, data_dir: Path) -> None:
    from extractors.contract import ENTITIES
    from extractors.landing.raw import load_dataset_files

    con = duckdb.connect(str(warehouse))
    try:
        load_dataset_files(con, data_dir, ENTITIES)
    finally:
        con.close()


def land_targets_workbook(warehouse: Path, excel_dir: Path) -> None:
    """Land targets.xlsx the way the Excel extractor does: one raw table per sheet, typed."""
    from extractors._http.client import Window
    from extractors.excel.client import ExcelDropClient
    from extractors.excel.schema import TARGET_SHEETS
    from extractors.landing.raw import SQL_TYPES, ensure_raw_table, raw_table

    client = ExcelDropClient(excel_dir)
    landed_at = datetime.now(UTC).isoformat()
    con = duckdb.connect(str(warehouse))
    try:
        for entity in TARGET_SHEETS:
            ensure_raw_table(con, entity)
            records = [r for batch in client.extract(entity, Window()) for r in batch]
            placeholders = ", ".join(f"cast(? as {SQL_TYPES[f.type]})" for f in entity.fields)
            # One landing = one batch: every row shares its batch id and extraction time.
            con.executemany(
                f"insert into {raw_table(entity)} values ({placeholders}, null, "
                "'workbook', cast(? as timestamptz), 'excel')",
                [[record.get(f.name) for f in entity.fields] + [landed_at] for record in records],
            )
    finally:
        con.close()


def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of the shared dbt build, seen by every xdist worker of this session."""
    return session_dir(tmp_path_factory, "perfchain_dbt")


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory, demo_data: Path) -> Warehouse:
    root = shared_dir(tmp_path_factory)
    db = root / "warehouse.duckdb"
    summary = root / "build.json"
    with FileLock(str(root / "build.lock")):
        if not summary.exists():
            if db.exists():
                db.unlink()
            load_raw(db, demo_data)
            land_targets_workbook(db, demo_data / "excel")
            run = run_dbt(db, root, "build")
            summary.write_text(
                json.dumps(
                    {"returncode": run.returncode, "output": run.output, "results": run.results}
                )
            )
    saved = json.loads(summary.read_text())
    build = DbtRun(saved["returncode"], saved["output"], saved["results"])
    return Warehouse(db, demo_data, build)
