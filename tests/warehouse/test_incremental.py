"""The incremental models give the same rows as a full refresh: after a one-day increment
(the last day's records arriving, as a new extraction batch, on top of the first 44 days)
and after a second run with nothing new. Incremental staging keeps the newest version of
a record even when a later batch brings an older one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.warehouse.conftest import Warehouse, load_raw, run_dbt

INCREMENTAL = (
    "staging.stg_qms__line_measures",
    "staging.stg_qms__inspections",
    "staging.stg_hr__attendance",
    "staging.stg_mes__production_counts",
    "intermediate.int_machine_state_intervals_split",
    "intermediate.int_team_hours_produced",
    "intermediate.int_team_hours_inspected",
    "intermediate.int_team_hours_attended",
    "intermediate.int_line_hours_measured",
)
# Which extraction a row came from, and when: differ between the two builds by design.
LINEAGE = "exclude (_batch_id, _extracted_at)"
LAST_DAY_STARTS = "2026-02-14 00:00:00+08"


def _modstamp(entity) -> str:  # type: ignore[no-untyped-def]
    column = f'"{entity.modstamp}"'
    if entity.field(entity.modstamp).type == "ts_local":
        return f"timezone('Asia/Shanghai', {column})"
    return column


def _differences(con: duckdb.DuckDBPyConnection, model: str) -> int:
    mine, full = model, f"full_refresh.{model}"
    columns = "*"
    if model.startswith("staging."):
        columns = f"* {LINEAGE}"
    return con.execute(
        f"""
        select (select count(*) from (
                    select {columns} from {mine} except all select {columns} from {full}))
             + (select count(*) from (
                    select {columns} from {full} except all select {columns} from {mine}))
        """
    ).fetchone()[0]


@pytest.fixture(scope="module")
def incremented(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from extractors._http.load import raw_table
    from extractors.simulator.schema import ENTITIES

    work = tmp_path_factory.mktemp("incremental")
    db = work / "incremental.duckdb"
    load_raw(db, warehouse.data_dir)
    con = duckdb.connect(str(db))
    con.execute("create schema held_back")
    for entity in ENTITIES:
        table = raw_table(entity)
        held = f"held_back.{entity.source}__{entity.name}"
        late = f"{_modstamp(entity)} >= '{LAST_DAY_STARTS}'"
        con.execute(f"create table {held} as select * from {table} where {late}")
        con.execute(f"delete from {table} where {late}")
    con.close()

    names = [model.split(".")[1] for model in INCREMENTAL]
    select = ["--select", *(f"+{name}" for name in names)]
    seeds = run_dbt(db, work, "seed")
    assert seeds.returncode == 0, seeds.output[-3000:]
    first = run_dbt(db, work, "run", *select)
    assert first.returncode == 0, first.output[-3000:]

    con = duckdb.connect(str(db))
    for entity in ENTITIES:
        # The next night's extraction: a batch of its own.
        con.execute(
            f"insert into {raw_table(entity)} "
            f"select * replace ('nightly-2026-02-14' as _batch_id) "
            f"from held_back.{entity.source}__{entity.name}"
        )
    con.close()
    second = run_dbt(db, work, "run", *select)
    assert second.returncode == 0, second.output[-3000:]
    assert all(r["status"] == "success" for r in second.results), "incremental run had failures"
    return db


@pytest.mark.parametrize("model", INCREMENTAL)
def test_one_day_increment_equals_full_refresh(
    incremented: Path, warehouse: Warehouse, model: str
) -> None:
    con = duckdb.connect(str(incremented), read_only=True)
    con.execute(f"attach '{warehouse.path}' as full_refresh (read_only)")
    assert con.execute(f"select count(*) from {model}").fetchone()[0] > 0
    assert _differences(con, model) == 0


def test_second_run_without_new_data_changes_nothing(
    incremented: Path, warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("incremental_again")
    names = [model.split(".")[1] for model in INCREMENTAL]
    again = run_dbt(incremented, work, "run", "--select", *names)
    assert again.returncode == 0, again.output[-3000:]
    con = duckdb.connect(str(incremented), read_only=True)
    con.execute(f"attach '{warehouse.path}' as full_refresh (read_only)")
    for model in INCREMENTAL:
        assert _differences(con, model) == 0, model


def test_a_late_batch_with_an_older_version_does_not_replace_the_newer(
    warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A replayed landing batch can bring a version older than the one staging holds: the
    newest modstamp wins, as in a full rebuild, whichever batch arrived last."""
    work = tmp_path_factory.mktemp("incremental_older")
    db = work / "older.duckdb"
    load_raw(db, warehouse.data_dir)
    first = run_dbt(db, work, "run", "--select", "stg_hr__attendance")
    assert first.returncode == 0, first.output[-3000:]
    con = duckdb.connect(str(db))
    attendance_id, hours = con.execute(
        "select attendance_id, attended_hours from staging.stg_hr__attendance "
        "where attended_hours > 1 order by attendance_id limit 1"
    ).fetchone()
    con.execute(
        "insert into raw.hr__attendance select * replace ("
        "  hours - 1 as hours, updated_at - interval 1 day as updated_at,"
        "  'replayed-old' as _batch_id) "
        "from raw.hr__attendance where attendance_id = ?",
        [attendance_id],
    )
    con.close()
    second = run_dbt(db, work, "run", "--select", "stg_hr__attendance")
    assert second.returncode == 0, second.output[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select attended_hours, _batch_id from staging.stg_hr__attendance where attendance_id = ?",
        [attendance_id],
    ).fetchall()
    assert rows == [(hours, "dataset")]
