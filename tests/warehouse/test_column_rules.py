"""`column_rules` (dbt_project/tests/generic/column_rules.sql): one data test checks a
model's key, accepted values, unique combination and relationships, and returns one row
per broken rule of a record, naming the rule, its column and the record's key."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.conftest import Warehouse, run_dbt

pytestmark = pytest.mark.slow  # runs dbt

TEST = "column_rules_kpi_daily"


def test_each_broken_rule_of_each_record_is_a_row_naming_rule_column_and_record(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse.path, db)
    with duckdb.connect(str(db)) as con:
        (copied,) = con.execute("select min(kpi_daily_id) from marts.kpi_daily").fetchone()
        (other,) = con.execute(
            "select max(kpi_daily_id) from marts.kpi_daily where status is not null"
        ).fetchone()
        # The same row twice: its key and its grain (date, scope, KPI) repeat.
        con.execute(
            "insert into marts.kpi_daily select * from marts.kpi_daily where kpi_daily_id = ?",
            [copied],
        )
        # A row of its own key with a status nobody defined and a KPI the seed lacks.
        con.execute(
            "insert into marts.kpi_daily select * replace ('planted' as kpi_daily_id, "
            "'purple' as status, 'no_such_kpi' as kpi_code) "
            "from marts.kpi_daily where kpi_daily_id = ?",
            [other],
        )

    run = run_dbt(db, tmp_path, "test", "--select", "test_name:column_rules,kpi_daily")
    (result,) = [r for r in run.results if r["unique_id"].split(".")[2] == TEST]
    assert (result["status"], result["failures"]) == ("fail", 6), run.output
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            f"select broken_rule, kpi_daily_id from ({result['compiled_code']}) as failures"
        ).fetchall()
    grain = "unique:kpi_date,scope_type,scope_id,kpi_code"
    assert sorted(rows) == sorted(
        [
            ("unique:kpi_daily_id", copied),
            ("unique:kpi_daily_id", copied),
            (grain, copied),
            (grain, copied),
            ("accepted_values:status", "planted"),
            ("relationships:kpi_code", "planted"),
        ]
    )
