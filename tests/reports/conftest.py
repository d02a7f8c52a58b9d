"""A published file from the dbt build on the demo factory (shared with tests/warehouse), and the
drops built from it once per session."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from expectations.results import GateResult
from perfchain.publish import publish
from tests.warehouse.conftest import Warehouse, warehouse  # noqa: F401  (the shared session build)

RUN_ID = "reports-test"
# A gate summary with a warning, as perfchain.quality_report writes it.
WARNED_SUMMARY = (
    "Quality gate PASSED for data through {day} (run reports-test): 41/42 checks passed, "
    "0 blocking failure(s), 1 warning(s).\n\nWarnings:\n"
    "- fct_oee_shift.performance_in_range [warning]: performance above 100 % means a wrong "
    "ideal cycle time\n    observed: 3 rows\n"
)


@pytest.fixture(scope="session")
def as_of(warehouse: Warehouse) -> date:  # noqa: F811
    with warehouse.connect() as con:
        (day,) = con.execute("select max(kpi_date) from marts.kpi_daily").fetchone()
    return day


@pytest.fixture(scope="session")
def published(warehouse: Warehouse, as_of: date, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    assert warehouse.build.returncode == 0, warehouse.build.output[-2000:]
    path = tmp_path_factory.mktemp("home") / "published" / "perfchain.duckdb"
    publish(
        warehouse.path, path, run_id=RUN_ID, data_through=as_of, gate=GateResult(RUN_ID, as_of, [])
    )
    return path


@pytest.fixture(scope="session")
def logs_dir(tmp_path_factory: pytest.TempPathFactory, as_of: date) -> Path:
    logs = tmp_path_factory.mktemp("logs")
    (logs / "quality-latest.txt").write_text(WARNED_SUMMARY.format(day=as_of), encoding="utf-8")
    return logs


@pytest.fixture
def con(published: Path):  # type: ignore[no-untyped-def]
    connection = duckdb.connect(str(published), read_only=True)
    try:
        yield connection
    finally:
        connection.close()
