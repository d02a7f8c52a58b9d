"""A published file from the dbt build on the demo factory (shared with tests/warehouse), and the
drops built from it once per session."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from expectations.publish import publish
from expectations.results import CheckResult, GateResult, SuiteResult
from tests.warehouse.conftest import Warehouse, warehouse  # noqa: F401  (the shared session build)

RUN_ID = "reports-test"
# The published data's gate: one check passed, one warned. The reports say so from the
# published file's `meta.publish_log` alone (no logs directory exists).
WARNING = CheckResult(
    "fct_oee_shift",
    "performance_in_range",
    "warning",
    "performance above 100 % means a wrong ideal cycle time",
    "failed",
    observed="3 of 120 rows unexpected",
    unexpected_count=3,
    sample_rows=[{"machine_id": "M07", "performance": "1.31"}],
)
PASSED = CheckResult("dim_date", "key_unique", "blocking", "one row per date", "passed")


@pytest.fixture(scope="session")
def as_of(warehouse: Warehouse) -> date:  # noqa: F811
    with warehouse.connect() as con:
        (day,) = con.execute("select max(kpi_date) from marts.kpi_daily").fetchone()
    return day


@pytest.fixture(scope="session")
def published(warehouse: Warehouse, as_of: date, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    assert warehouse.build.returncode == 0, warehouse.build.output[-2000:]
    path = tmp_path_factory.mktemp("home") / "published" / "perfchain.duckdb"
    gate = GateResult(
        RUN_ID,
        as_of,
        [SuiteResult("fct_oee_shift", None, [WARNING]), SuiteResult("dim_date", None, [PASSED])],
    )
    publish(warehouse.path, path, run_id=RUN_ID, data_through=as_of, gate=gate)
    assert not (path.parent.parent / "logs").exists()
    return path


@pytest.fixture
def con(published: Path):  # type: ignore[no-untyped-def]
    connection = duckdb.connect(str(published), read_only=True)
    try:
        yield connection
    finally:
        connection.close()
