"""The key of an incremental staging model given `changed_at` (its source's `group_rules`
test, macros/rules.sql) is looked for repeated among the rows a night can change, the rows
updated in the last `lookback_hours`, and for null in every row."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.conftest import Warehouse, run_dbt

pytestmark = pytest.mark.slow  # runs dbt

MODEL = "staging.stg_qms__line_measures"


@pytest.mark.parametrize(
    ("broken", "failing_rows"),
    [
        # The newest measure a second time: what a merge that failed to replace would
        # leave. Both rows of the repeated key fail.
        (f"insert into {MODEL} select * from {MODEL} order by updated_at desc limit 1", 2),
        # A null key on the oldest row, outside the recent rows.
        (
            f"insert into {MODEL} select * replace (null as measure_id) "
            f"from {MODEL} order by updated_at limit 1",
            1,
        ),
    ],
    ids=["recent_repeat", "old_null_key"],
)
def test_incremental_key_test_fails_on_a_recent_repeat_and_an_old_null_key(
    warehouse: Warehouse, tmp_path: Path, broken: str, failing_rows: int
) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse.path, db)
    with duckdb.connect(str(db)) as con:
        con.execute(broken)
    run = run_dbt(db, tmp_path, "test", "--select", "staging_rules_qms")
    assert [(r["status"], r["failures"]) for r in run.results] == [("fail", failing_rows)], (
        run.output
    )
