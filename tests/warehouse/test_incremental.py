"""The incremental MES/QMS models give the same rows as a full refresh: after a one-day
increment (the last day's records arriving on top of the first 44 days) and after a
second run with nothing new."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.warehouse.conftest import Warehouse, load_raw, run_dbt

INCREMENTAL = (
    "int_machine_state_intervals_split",
    "int_team_hours_produced",
    "int_team_hours_inspected",
)
LAST_DAY_STARTS = "2026-02-14 00:00:00+08"


def _modstamp(entity) -> str:  # type: ignore[no-untyped-def]
    column = f'"{entity.modstamp}"'
    if entity.field(entity.modstamp).type == "ts_local":
        return f"timezone('Asia/Shanghai', {column})"
    return column


def _differences(con: duckdb.DuckDBPyConnection, model: str) -> int:
    mine = f"intermediate.{model}"
    full = f"full_refresh.intermediate.{model}"
    return con.execute(
        f"""
        select (select count(*) from (select * from {mine} except all select * from {full}))
             + (select count(*) from (select * from {full} except all select * from {mine}))
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

    select = ["--select", *(f"+{model}" for model in INCREMENTAL)]
    first = run_dbt(db, work, "run", *select)
    assert first.returncode == 0, first.output[-3000:]

    con = duckdb.connect(str(db))
    for entity in ENTITIES:
        con.execute(
            f"insert into {raw_table(entity)} "
            f"select * from held_back.{entity.source}__{entity.name}"
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
    assert con.execute(f"select count(*) from intermediate.{model}").fetchone()[0] > 0
    assert _differences(con, model) == 0


def test_second_run_without_new_data_changes_nothing(
    incremented: Path, warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> None:
    work = tmp_path_factory.mktemp("incremental_again")
    again = run_dbt(incremented, work, "run", "--select", *INCREMENTAL)
    assert again.returncode == 0, again.output[-3000:]
    con = duckdb.connect(str(incremented), read_only=True)
    con.execute(f"attach '{warehouse.path}' as full_refresh (read_only)")
    for model in INCREMENTAL:
        assert _differences(con, model) == 0, model
