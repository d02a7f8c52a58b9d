"""The key test of an incremental staging model (tests/generic/primary_key.sql with
`changed_at`) looks for repeated keys among the rows a night can change, the rows updated
in the last `lookback_hours`, and for null keys in every row."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.conftest import Warehouse, run_dbt

pytestmark = pytest.mark.slow  # runs dbt

MODEL = "staging.stg_qms__line_measures"


@pytest.mark.parametrize(
    "broken",
    [
        # The newest measure a second time: what a merge that failed to replace would leave.
        f"insert into {MODEL} select * from {MODEL} order by updated_at desc limit 1",
        # A null key on the oldest row, outside the recent rows.
        f"insert into {MODEL} select * replace (null as measure_id) "
        f"from {MODEL} order by updated_at limit 1",
    ],
    ids=["recent_repeat", "old_null_key"],
)
def test_incremental_key_test_fails_on_a_recent_repeat_and_an_old_null_key(
    warehouse: Warehouse, tmp_path: Path, broken: str
) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse.path, db)
    with duckdb.connect(str(db)) as con:
        con.execute(broken)
    run = run_dbt(db, tmp_path, "test", "--select", "stg_qms__line_measures,test_name:primary_key")
    assert [(r["status"], r["failures"]) for r in run.results] == [("fail", 1)], run.output
